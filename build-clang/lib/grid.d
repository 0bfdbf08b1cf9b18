build-clang/lib/grid.o: lib/grid.c include/rec/grid.h \
  include/rec/ratings.h include/rec/idmap.h include/rec/lineio.h \
  include/rec/util.h include/rec/parallel.h include/rec/rng.h

include/rec/grid.h:

include/rec/ratings.h:

include/rec/idmap.h:

include/rec/lineio.h:

include/rec/util.h:

include/rec/parallel.h:

include/rec/rng.h:
