build-clang/lib/attn.o: lib/attn.c include/rec/attn.h include/rec/layer.h \
  include/rec/rng.h include/rec/vector.h

include/rec/attn.h:

include/rec/layer.h:

include/rec/rng.h:

include/rec/vector.h:
