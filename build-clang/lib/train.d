build-clang/lib/train.o: lib/train.c include/rec/model.h \
  include/rec/idmap.h include/rec/ratings.h include/rec/lineio.h \
  include/rec/util.h include/rec/rng.h include/rec/st.h

include/rec/model.h:

include/rec/idmap.h:

include/rec/ratings.h:

include/rec/lineio.h:

include/rec/util.h:

include/rec/rng.h:

include/rec/st.h:
