build-clang/lib/lstm.o: lib/lstm.c include/rec/gemm.h include/rec/lstm.h \
  include/rec/vector.h

include/rec/gemm.h:

include/rec/lstm.h:

include/rec/vector.h:
