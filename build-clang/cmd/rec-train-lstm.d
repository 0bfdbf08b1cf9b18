build-clang/cmd/rec-train-lstm.o: cmd/rec-train-lstm.c cmd/cli.h \
  include/rec/util.h include/rec/lstmrec.h include/rec/hparams.h \
  include/rec/st.h include/rec/model.h include/rec/idmap.h \
  include/rec/ratings.h include/rec/lineio.h include/rec/rng.h \
  cmd/trainer.h

cmd/cli.h:

include/rec/util.h:

include/rec/lstmrec.h:

include/rec/hparams.h:

include/rec/st.h:

include/rec/model.h:

include/rec/idmap.h:

include/rec/ratings.h:

include/rec/lineio.h:

include/rec/rng.h:

cmd/trainer.h:
