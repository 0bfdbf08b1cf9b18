build-clang/lib/layer.o: lib/layer.c include/rec/gemm.h \
  include/rec/layer.h include/rec/rng.h include/rec/vector.h

include/rec/gemm.h:

include/rec/layer.h:

include/rec/rng.h:

include/rec/vector.h:
