build-clang/lib/csv.o: lib/csv.c include/rec/csv.h include/rec/lineio.h \
  include/rec/util.h include/rec/ratings.h include/rec/idmap.h

include/rec/csv.h:

include/rec/lineio.h:

include/rec/util.h:

include/rec/ratings.h:

include/rec/idmap.h:
