build-clang/cmd/rec-info.o: cmd/rec-info.c cmd/cli.h include/rec/util.h \
  include/rec/st.h

cmd/cli.h:

include/rec/util.h:

include/rec/st.h:
