build-clang/lib/gemm.o: lib/gemm.c include/rec/gemm.h \
  include/rec/parallel.h include/rec/vector.h

include/rec/gemm.h:

include/rec/parallel.h:

include/rec/vector.h:
