build-clang/cmd/rec-genres.o: cmd/rec-genres.c cmd/cli.h \
  include/rec/util.h include/rec/genres.h include/rec/lists.h \
  include/rec/idmap.h include/rec/movies.h include/rec/ratings.h \
  include/rec/lineio.h

cmd/cli.h:

include/rec/util.h:

include/rec/genres.h:

include/rec/lists.h:

include/rec/idmap.h:

include/rec/movies.h:

include/rec/ratings.h:

include/rec/lineio.h:
