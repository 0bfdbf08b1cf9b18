build-clang/lib/batch.o: lib/batch.c include/rec/batch.h \
  include/rec/rng.h include/rec/util.h

include/rec/batch.h:

include/rec/rng.h:

include/rec/util.h:
