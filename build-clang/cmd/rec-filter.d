build-clang/cmd/rec-filter.o: cmd/rec-filter.c cmd/cli.h \
  include/rec/util.h include/rec/ratings.h include/rec/idmap.h \
  include/rec/lineio.h

cmd/cli.h:

include/rec/util.h:

include/rec/ratings.h:

include/rec/idmap.h:

include/rec/lineio.h:
