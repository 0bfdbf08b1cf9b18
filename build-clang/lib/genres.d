build-clang/lib/genres.o: lib/genres.c include/rec/genres.h \
  include/rec/lists.h include/rec/idmap.h include/rec/util.h \
  include/rec/movies.h include/rec/ratings.h include/rec/lineio.h

include/rec/genres.h:

include/rec/lists.h:

include/rec/idmap.h:

include/rec/util.h:

include/rec/movies.h:

include/rec/ratings.h:

include/rec/lineio.h:
