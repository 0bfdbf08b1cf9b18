build-clang/lib/params.o: lib/params.c include/rec/params.h \
  include/rec/st.h include/rec/util.h include/rec/vector.h

include/rec/params.h:

include/rec/st.h:

include/rec/util.h:

include/rec/vector.h:
