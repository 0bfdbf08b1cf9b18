build-clang/lib/parallel.o: lib/parallel.c include/rec/parallel.h

include/rec/parallel.h:
