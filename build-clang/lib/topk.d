build-clang/lib/topk.o: lib/topk.c include/rec/topk.h

include/rec/topk.h:
