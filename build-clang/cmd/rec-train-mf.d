build-clang/cmd/rec-train-mf.o: cmd/rec-train-mf.c cmd/cli.h \
  include/rec/util.h include/rec/mf.h include/rec/hparams.h \
  include/rec/st.h include/rec/model.h include/rec/idmap.h \
  include/rec/ratings.h include/rec/lineio.h include/rec/rng.h \
  cmd/trainer.h

cmd/cli.h:

include/rec/util.h:

include/rec/mf.h:

include/rec/hparams.h:

include/rec/st.h:

include/rec/model.h:

include/rec/idmap.h:

include/rec/ratings.h:

include/rec/lineio.h:

include/rec/rng.h:

cmd/trainer.h:
