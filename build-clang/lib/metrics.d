build-clang/lib/metrics.o: lib/metrics.c include/rec/metrics.h \
  include/rec/util.h

include/rec/metrics.h:

include/rec/util.h:
