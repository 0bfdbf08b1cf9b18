build-clang/lib/hparams.o: lib/hparams.c include/rec/hparams.h \
  include/rec/st.h include/rec/util.h

include/rec/hparams.h:

include/rec/st.h:

include/rec/util.h:
