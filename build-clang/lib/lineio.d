build-clang/lib/lineio.o: lib/lineio.c include/rec/lineio.h \
  include/rec/util.h

include/rec/lineio.h:

include/rec/util.h:
