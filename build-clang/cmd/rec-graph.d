build-clang/cmd/rec-graph.o: cmd/rec-graph.c cmd/cli.h include/rec/util.h \
  include/rec/graph.h include/rec/idmap.h include/rec/ratings.h \
  include/rec/lineio.h include/rec/st.h

cmd/cli.h:

include/rec/util.h:

include/rec/graph.h:

include/rec/idmap.h:

include/rec/ratings.h:

include/rec/lineio.h:

include/rec/st.h:
