build-clang/lib/side.o: lib/side.c include/rec/csv.h include/rec/lineio.h \
  include/rec/util.h include/rec/ratings.h include/rec/idmap.h \
  include/rec/side.h include/rec/movies.h

include/rec/csv.h:

include/rec/lineio.h:

include/rec/util.h:

include/rec/ratings.h:

include/rec/idmap.h:

include/rec/side.h:

include/rec/movies.h:
