build-clang/lib/model.o: lib/model.c include/rec/agr.h \
  include/rec/graph.h include/rec/idmap.h include/rec/ratings.h \
  include/rec/lineio.h include/rec/util.h include/rec/st.h \
  include/rec/hparams.h include/rec/model.h include/rec/rng.h \
  include/rec/lstmrec.h include/rec/metrics.h include/rec/mf.h \
  include/rec/ncf.h include/rec/movies.h include/rec/side.h \
  include/rec/params.h

include/rec/agr.h:

include/rec/graph.h:

include/rec/idmap.h:

include/rec/ratings.h:

include/rec/lineio.h:

include/rec/util.h:

include/rec/st.h:

include/rec/hparams.h:

include/rec/model.h:

include/rec/rng.h:

include/rec/lstmrec.h:

include/rec/metrics.h:

include/rec/mf.h:

include/rec/ncf.h:

include/rec/movies.h:

include/rec/side.h:

include/rec/params.h:
