build-clang/lib/movies.o: lib/movies.c include/rec/csv.h \
  include/rec/lineio.h include/rec/util.h include/rec/ratings.h \
  include/rec/idmap.h include/rec/movies.h

include/rec/csv.h:

include/rec/lineio.h:

include/rec/util.h:

include/rec/ratings.h:

include/rec/idmap.h:

include/rec/movies.h:
