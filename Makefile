# recpipe - one build: build/librec.a, then every program in cmd/.
# make            build everything
# make check      unit tests, then the bats tests (through prove); then,
#                 when Open MPI is installed, the MPI build's (tests/mpi)
# make mpi        the same programs as MPI jobs, in build-mpi/bin
# make asan       the same under AddressSanitizer and UBSan
# make fuzz       each libFuzzer target for FUZZ_SECONDS (needs clang)
# make fuzz-smoke the same, 30 s each
# make valgrind   every program once under valgrind: no error, no leak
# make demo       get ml-latest-small and run the whole study on it
#                 (examples/paper; SEEDS=1 for a quicker run)
# make bench      print speed and accuracy figures (never fails on timing)
# make install PREFIX=... DESTDIR=...

VERSION   = 0.1.0
PREFIX    = /usr/local
MANPREFIX = $(PREFIX)/share/man
BUILD     = build
CFLAGS   ?= -O3 -g
# Not in CFLAGS, so that "make CFLAGS=-O0" cannot drop them.
WARN      = -Wall -Wextra -Werror -Wshadow -Wvla -Wformat=2 -Wstrict-prototypes
REC_CPPFLAGS = -Iinclude -Icmd -D_POSIX_C_SOURCE=200809L -DREC_VERSION='"$(VERSION)"'
ALLCFLAGS = -std=c11 -fno-math-errno -fno-trapping-math $(WARN) $(CFLAGS)
LDLIBS    = -ljansson -lcsv -lopenblas -lm -lpthread

# The plain build's communicator is lib/dist-one.c; make mpi's lib/dist-mpi.c.
LIB_OBJ  = $(patsubst %.c,$(BUILD)/%.o,$(filter-out lib/dist-mpi.c,$(wildcard lib/*.c)))
CLI_OBJ  = $(patsubst %.c,$(BUILD)/%.o,$(filter-out cmd/rec-%.c,$(wildcard cmd/*.c)))
BINS     = $(patsubst cmd/%.c,$(BUILD)/bin/%,$(wildcard cmd/rec-*.c))
UNIT_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/unit/*.c))
BENCH    = $(BUILD)/bench/synth $(BUILD)/bench/read $(BUILD)/bench/gemm
FUZZ_TARGETS = ratings movies tags lists preds st model numbers graph recommend genres
FUZZ_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/fuzz/*.c))
REPLAYS  = $(patsubst %,$(BUILD)/fuzz/replay_%,$(FUZZ_TARGETS))

all: $(BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(REC_CPPFLAGS) $(CPPFLAGS) $(ALLCFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/librec.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/bin/%: $(BUILD)/cmd/%.o $(CLI_OBJ) $(BUILD)/librec.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit: $(UNIT_OBJ) $(BUILD)/librec.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(BUILD)/librec.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# make mpi: the programs over MPI in $(MPI_BUILD)/bin, the plain build's
# objects but one, lib/dist-mpi.c for lib/dist-one.c, compiled and linked
# by $(CC) with Open MPI's flags (mpicc --showme), so that the compiler
# and its flags stay those of the build.
MPI_BUILD = $(BUILD)-mpi
MPI_BINS  = $(patsubst $(BUILD)/bin/%,$(MPI_BUILD)/bin/%,$(BINS))
MPI_LIB_OBJ = $(filter-out $(BUILD)/lib/dist-one.o,$(LIB_OBJ)) $(MPI_BUILD)/lib/dist-mpi.o
MPI_CFLAGS  = $(shell mpicc --showme:compile)
MPI_LDLIBS  = $(shell mpicc --showme:link)

$(MPI_BUILD)/lib/dist-mpi.o: lib/dist-mpi.c
	@command -v mpicc > /dev/null || { echo "make mpi: no mpicc;" \
		"scripts/deps --mpi installs Open MPI" >&2; exit 1; }
	@mkdir -p $(@D)
	$(CC) $(REC_CPPFLAGS) $(CPPFLAGS) $(MPI_CFLAGS) $(ALLCFLAGS) -MMD -MP -c -o $@ $<

$(MPI_BUILD)/librec.a: $(MPI_LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(MPI_BUILD)/bin/%: $(BUILD)/cmd/%.o $(CLI_OBJ) $(MPI_BUILD)/librec.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(MPI_LDLIBS)

mpi: $(MPI_BINS)

# A fuzz target without libFuzzer: replays files (make check).
$(BUILD)/fuzz/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay.o $(BUILD)/librec.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# A fuzz target with libFuzzer (make fuzz, with BUILD=build-fuzz CC=clang).
$(BUILD)/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/librec.a
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

deps:
	@scripts/deps

# Without the data set the tests on it are skipped, not failed.
data:
	@scripts/get-movielens || echo "make: no ml-latest-small; its tests will be skipped" >&2

check: deps all $(BUILD)/unit $(REPLAYS) data check-examples
	OPENBLAS_NUM_THREADS=1 $(BUILD)/unit
	OPENBLAS_NUM_THREADS=1 scripts/fuzz replay $(BUILD) $(FUZZ_TARGETS)
	REC_BIN="$(CURDIR)/$(BUILD)/bin" prove -e bats --ext .bats tests/cli
	@if command -v mpicc > /dev/null && command -v mpirun > /dev/null; then \
		$(MAKE) --no-print-directory check-mpi; \
	else \
		echo "make check: SKIPPED the MPI tests (tests/mpi): no mpicc or mpirun;" \
		     "scripts/deps --mpi installs Open MPI"; \
	fi

# Jobs of 1, 2 and 4 ranks on this machine, against the plain programs.
check-mpi: all $(MPI_BINS)
	REC_BIN="$(CURDIR)/$(BUILD)/bin" REC_MPI_BIN="$(CURDIR)/$(MPI_BUILD)/bin" \
		prove -e bats --ext .bats tests/mpi

# The examples' Makefiles parse and their DAGs are complete: make -n runs
# no program, so it passes before every model's program exists.
EXAMPLES = examples/paper examples/sweep
check-examples:
	@for d in $(EXAMPLES); do \
		$(MAKE) -s -n -C $$d BIN=$(CURDIR)/$(BUILD)/bin OUT=$(CURDIR)/$(BUILD)/check-$$(basename $$d) > /dev/null || exit 1; \
		echo "make -n -C $$d: ok"; \
	done

SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
asan:
	$(MAKE) BUILD=build-asan CFLAGS='-O1 -g $(SAN)' LDFLAGS='$(SAN)' check \
		REC_SANITIZED=1

# libFuzzer: the library and the targets built by clang into build-fuzz,
# then each target run for FUZZ_SECONDS (STYLE B.5).
FUZZ_SECONDS = 60
FUZZ_CC      = clang
FUZZ_SAN     = -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
fuzz-build:
	@scripts/deps --fuzz
	$(MAKE) BUILD=build-fuzz CC=$(FUZZ_CC) \
		CFLAGS='-g -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link' \
		LDFLAGS='$(FUZZ_SAN)' $(patsubst %,build-fuzz/fuzz_%,$(FUZZ_TARGETS))

fuzz: fuzz-build
	OPENBLAS_NUM_THREADS=1 scripts/fuzz run build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=30

valgrind: all
	@scripts/deps --valgrind
	scripts/valgrind $(BUILD)/bin

SEEDS = 3
demo: all data
	@scripts/deps --demo
	$(MAKE) -C examples/paper -j2 BIN=$(CURDIR)/$(BUILD)/bin \
		DATA=$(CURDIR)/data/ml-latest-small SEEDS=$(SEEDS)
	@$(MAKE) -s -C examples/paper show
	@echo "demo: the report is examples/paper/out/REPORT.md"

# Each bench's tables are kept in $(BUILD)/bench/out for scripts/readme-speed.
BENCH_RUNS = run scale sizes models
bench: all $(BENCH) data
	@mkdir -p $(BUILD)/bench/out
	@for b in $(BENCH_RUNS); do \
		bench/$$b $(BUILD) > $(BUILD)/bench/out/$$b.tsv.tmp || exit 1; \
		mv $(BUILD)/bench/out/$$b.tsv.tmp $(BUILD)/bench/out/$$b.tsv; \
		cat $(BUILD)/bench/out/$$b.tsv; \
	done

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANPREFIX)/man1 \
		$(DESTDIR)$(MANPREFIX)/man5 $(DESTDIR)$(MANPREFIX)/man7
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 man/man1/*.1 $(DESTDIR)$(MANPREFIX)/man1
	install -m 644 man/man5/*.5 $(DESTDIR)$(MANPREFIX)/man5
	install -m 644 man/man7/*.7 $(DESTDIR)$(MANPREFIX)/man7

uninstall:
	rm -f $(patsubst $(BUILD)/bin/%,$(DESTDIR)$(PREFIX)/bin/%,$(BINS))
	rm -f $(patsubst man/%,$(DESTDIR)$(MANPREFIX)/%,$(wildcard man/man*/*.[157]))

# Also removes the fuzz corpus in build-fuzz/corpus.
clean:
	rm -rf build build-asan build-fuzz build-mpi build-asan-mpi

export REC_SANITIZED
.PHONY: all deps data check check-mpi mpi check-examples asan fuzz fuzz-build fuzz-smoke valgrind demo \
	bench install \
	uninstall clean
.DELETE_ON_ERROR:
.SECONDARY:
-include $(LIB_OBJ:.o=.d) $(MPI_BUILD)/lib/dist-mpi.d $(UNIT_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d) \
	$(patsubst $(BUILD)/bin/%,$(BUILD)/cmd/%.d,$(BINS))
