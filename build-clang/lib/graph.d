build-clang/lib/graph.o: lib/graph.c include/rec/graph.h \
  include/rec/idmap.h include/rec/ratings.h include/rec/lineio.h \
  include/rec/util.h include/rec/st.h include/rec/parallel.h \
  include/rec/rng.h include/rec/vector.h

include/rec/graph.h:

include/rec/idmap.h:

include/rec/ratings.h:

include/rec/lineio.h:

include/rec/util.h:

include/rec/st.h:

include/rec/parallel.h:

include/rec/rng.h:

include/rec/vector.h:
