build-clang/lib/agr.o: lib/agr.c include/rec/agr.h include/rec/graph.h \
  include/rec/idmap.h include/rec/ratings.h include/rec/lineio.h \
  include/rec/util.h include/rec/st.h include/rec/hparams.h \
  include/rec/model.h include/rec/rng.h include/rec/attn.h \
  include/rec/batch.h include/rec/layer.h include/rec/parallel.h \
  include/rec/params.h include/rec/vector.h

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

include/rec/attn.h:

include/rec/batch.h:

include/rec/layer.h:

include/rec/parallel.h:

include/rec/params.h:

include/rec/vector.h:
