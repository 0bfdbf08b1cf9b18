build-clang/lib/mf.o: lib/mf.c include/rec/batch.h include/rec/rng.h \
  include/rec/util.h include/rec/grid.h include/rec/ratings.h \
  include/rec/idmap.h include/rec/lineio.h include/rec/hparams.h \
  include/rec/st.h include/rec/mf.h include/rec/model.h \
  include/rec/params.h include/rec/vector.h

include/rec/batch.h:

include/rec/rng.h:

include/rec/util.h:

include/rec/grid.h:

include/rec/ratings.h:

include/rec/idmap.h:

include/rec/lineio.h:

include/rec/hparams.h:

include/rec/st.h:

include/rec/mf.h:

include/rec/model.h:

include/rec/params.h:

include/rec/vector.h:
