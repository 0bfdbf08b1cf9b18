build-clang/lib/st.o: lib/st.c include/rec/st.h include/rec/util.h

include/rec/st.h:

include/rec/util.h:
