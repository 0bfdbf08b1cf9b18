build-clang/lib/tsv.o: lib/tsv.c include/rec/tsv.h include/rec/util.h

include/rec/tsv.h:

include/rec/util.h:
