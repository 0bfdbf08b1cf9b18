build-clang/cmd/rec-train-agr.o: cmd/rec-train-agr.c cmd/cli.h \
  include/rec/util.h include/rec/agr.h include/rec/graph.h \
  include/rec/idmap.h include/rec/ratings.h include/rec/lineio.h \
  include/rec/st.h include/rec/hparams.h include/rec/model.h \
  include/rec/rng.h cmd/trainer.h

cmd/cli.h:

include/rec/util.h:

include/rec/agr.h:

include/rec/graph.h:

include/rec/idmap.h:

include/rec/ratings.h:

include/rec/lineio.h:

include/rec/st.h:

include/rec/hparams.h:

include/rec/model.h:

include/rec/rng.h:

cmd/trainer.h:
