build-clang/cmd/cli.o: cmd/cli.c cmd/cli.h include/rec/util.h

cmd/cli.h:

include/rec/util.h:
