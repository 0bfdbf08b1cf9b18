build-clang/cmd/rec-split.o: cmd/rec-split.c cmd/cli.h include/rec/util.h \
  include/rec/split.h include/rec/ratings.h include/rec/idmap.h \
  include/rec/lineio.h

cmd/cli.h:

include/rec/util.h:

include/rec/split.h:

include/rec/ratings.h:

include/rec/idmap.h:

include/rec/lineio.h:
