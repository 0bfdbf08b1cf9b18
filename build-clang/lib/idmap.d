build-clang/lib/idmap.o: lib/idmap.c include/rec/idmap.h \
  include/rec/rng.h include/rec/util.h

include/rec/idmap.h:

include/rec/rng.h:

include/rec/util.h:
