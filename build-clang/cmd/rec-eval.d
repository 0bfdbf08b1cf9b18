build-clang/cmd/rec-eval.o: cmd/rec-eval.c cmd/cli.h include/rec/util.h \
  include/rec/eval.h include/rec/lists.h include/rec/idmap.h \
  include/rec/metrics.h include/rec/movies.h include/rec/ratings.h \
  include/rec/lineio.h

cmd/cli.h:

include/rec/util.h:

include/rec/eval.h:

include/rec/lists.h:

include/rec/idmap.h:

include/rec/metrics.h:

include/rec/movies.h:

include/rec/ratings.h:

include/rec/lineio.h:
