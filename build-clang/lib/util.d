build-clang/lib/util.o: lib/util.c include/rec/util.h

include/rec/util.h:
