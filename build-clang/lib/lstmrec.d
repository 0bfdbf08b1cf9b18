build-clang/lib/lstmrec.o: lib/lstmrec.c include/rec/batch.h \
  include/rec/rng.h include/rec/util.h include/rec/gemm.h \
  include/rec/hparams.h include/rec/st.h include/rec/layer.h \
  include/rec/lstm.h include/rec/lstmrec.h include/rec/model.h \
  include/rec/idmap.h include/rec/ratings.h include/rec/lineio.h \
  include/rec/params.h

include/rec/batch.h:

include/rec/rng.h:

include/rec/util.h:

include/rec/gemm.h:

include/rec/hparams.h:

include/rec/st.h:

include/rec/layer.h:

include/rec/lstm.h:

include/rec/lstmrec.h:

include/rec/model.h:

include/rec/idmap.h:

include/rec/ratings.h:

include/rec/lineio.h:

include/rec/params.h:
