build-clang/lib/rng.o: lib/rng.c include/rec/rng.h

include/rec/rng.h:
