build-clang/lib/lists.o: lib/lists.c include/rec/lineio.h \
  include/rec/util.h include/rec/lists.h include/rec/idmap.h \
  include/rec/tsv.h

include/rec/lineio.h:

include/rec/util.h:

include/rec/lists.h:

include/rec/idmap.h:

include/rec/tsv.h:
