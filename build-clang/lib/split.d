build-clang/lib/split.o: lib/split.c include/rec/rng.h \
  include/rec/split.h include/rec/ratings.h include/rec/idmap.h \
  include/rec/lineio.h include/rec/util.h

include/rec/rng.h:

include/rec/split.h:

include/rec/ratings.h:

include/rec/idmap.h:

include/rec/lineio.h:

include/rec/util.h:
