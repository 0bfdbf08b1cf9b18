build-clang/cmd/rec-score.o: cmd/rec-score.c cmd/cli.h include/rec/util.h \
  include/rec/model.h include/rec/idmap.h include/rec/ratings.h \
  include/rec/lineio.h include/rec/rng.h include/rec/st.h \
  include/rec/recommend.h

cmd/cli.h:

include/rec/util.h:

include/rec/model.h:

include/rec/idmap.h:

include/rec/ratings.h:

include/rec/lineio.h:

include/rec/rng.h:

include/rec/st.h:

include/rec/recommend.h:
