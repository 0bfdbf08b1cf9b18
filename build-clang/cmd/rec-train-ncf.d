build-clang/cmd/rec-train-ncf.o: cmd/rec-train-ncf.c cmd/cli.h \
  include/rec/util.h include/rec/ncf.h include/rec/hparams.h \
  include/rec/st.h include/rec/model.h include/rec/idmap.h \
  include/rec/ratings.h include/rec/lineio.h include/rec/rng.h \
  include/rec/movies.h include/rec/side.h cmd/trainer.h

cmd/cli.h:

include/rec/util.h:

include/rec/ncf.h:

include/rec/hparams.h:

include/rec/st.h:

include/rec/model.h:

include/rec/idmap.h:

include/rec/ratings.h:

include/rec/lineio.h:

include/rec/rng.h:

include/rec/movies.h:

include/rec/side.h:

cmd/trainer.h:
