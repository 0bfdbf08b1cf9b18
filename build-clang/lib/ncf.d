build-clang/lib/ncf.o: lib/ncf.c include/rec/batch.h include/rec/rng.h \
  include/rec/util.h include/rec/hparams.h include/rec/st.h \
  include/rec/layer.h include/rec/ncf.h include/rec/model.h \
  include/rec/idmap.h include/rec/ratings.h include/rec/lineio.h \
  include/rec/movies.h include/rec/side.h include/rec/params.h

include/rec/batch.h:

include/rec/rng.h:

include/rec/util.h:

include/rec/hparams.h:

include/rec/st.h:

include/rec/layer.h:

include/rec/ncf.h:

include/rec/model.h:

include/rec/idmap.h:

include/rec/ratings.h:

include/rec/lineio.h:

include/rec/movies.h:

include/rec/side.h:

include/rec/params.h:
