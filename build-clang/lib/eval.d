build-clang/lib/eval.o: lib/eval.c include/rec/eval.h include/rec/lists.h \
  include/rec/idmap.h include/rec/util.h include/rec/metrics.h \
  include/rec/movies.h include/rec/ratings.h include/rec/lineio.h \
  include/rec/tsv.h

include/rec/eval.h:

include/rec/lists.h:

include/rec/idmap.h:

include/rec/util.h:

include/rec/metrics.h:

include/rec/movies.h:

include/rec/ratings.h:

include/rec/lineio.h:

include/rec/tsv.h:
