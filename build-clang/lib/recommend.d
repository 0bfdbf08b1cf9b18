build-clang/lib/recommend.o: lib/recommend.c include/rec/parallel.h \
  include/rec/recommend.h include/rec/model.h include/rec/idmap.h \
  include/rec/ratings.h include/rec/lineio.h include/rec/util.h \
  include/rec/rng.h include/rec/st.h include/rec/topk.h

include/rec/parallel.h:

include/rec/recommend.h:

include/rec/model.h:

include/rec/idmap.h:

include/rec/ratings.h:

include/rec/lineio.h:

include/rec/util.h:

include/rec/rng.h:

include/rec/st.h:

include/rec/topk.h:
