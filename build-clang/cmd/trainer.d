build-clang/cmd/trainer.o: cmd/trainer.c cmd/trainer.h cmd/cli.h \
  include/rec/util.h include/rec/hparams.h include/rec/st.h \
  include/rec/model.h include/rec/idmap.h include/rec/ratings.h \
  include/rec/lineio.h include/rec/rng.h

cmd/trainer.h:

cmd/cli.h:

include/rec/util.h:

include/rec/hparams.h:

include/rec/st.h:

include/rec/model.h:

include/rec/idmap.h:

include/rec/ratings.h:

include/rec/lineio.h:

include/rec/rng.h:
