# helpers.bash - loaded by every tests/mpi/*.bats file: the plain programs
# first on PATH (the reference), `job N PROG ARGS` to run the MPI build's
# PROG as a job of N ranks on this machine, the fixtures folder.
bats_load_library bats-support
bats_load_library bats-assert

REC_BIN=${REC_BIN:-"$BATS_TEST_DIRNAME/../../build/bin"}
REC_MPI_BIN=${REC_MPI_BIN:-"$BATS_TEST_DIRNAME/../../build-mpi/bin"}
PATH="$REC_BIN:$PATH"
fixtures="$BATS_TEST_DIRNAME/../fixtures"
movielens="$BATS_TEST_DIRNAME/../../data/ml-latest-small"
export OPENBLAS_NUM_THREADS=1
# Open MPI refuses root unless told; CI runs as root.
if [ "$(id -u)" -eq 0 ]; then
	export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
# make asan: Open MPI's own leaks at exit, named (its plugins kept
# loaded, the slow unwinder through its frames) and left out.
if [ -n "${REC_SANITIZED:-}" ]; then
	export OMPI_MCA_mca_base_component_disable_dlclose=1
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
	export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$BATS_TEST_DIRNAME/lsan.supp:print_suppressions=0"
fi

# A job of $1 ranks of the MPI build's program $2 (more ranks than cores
# allowed; -q: no banner of mpirun's own about a rank's exit status).
job() {
	local n=$1 prog=$2
	shift 2
	timeout 120 mpirun -q --oversubscribe -np "$n" "$REC_MPI_BIN/$prog" "$@"
}

# The study's split of ml-latest-small in train.tsv, valid.tsv and
# test.tsv, and seen.tsv (train and valid); the test skipped without
# the data.
study_split() {
	[ -f "$movielens/ratings.csv" ] || skip "no data/ml-latest-small (make data)"
	rec-filter --min-item-ratings 20 "$movielens/ratings.csv" |
		rec-split --ratio 0.8 --valid-ratio 0.1 --train train.tsv --valid valid.tsv \
			--test test.tsv
	cat train.tsv valid.tsv > seen.tsv
}

# The test NDCG@10 of model $1's top-10 lists, after study_split.
ndcg() {
	rec-score -m "$1" --top 10 --exclude seen.tsv |
		rec-eval -k 10 --test test.tsv --train seen.tsv -r - |
		awk '$1 == "ndcg@10" { print $2 }'
}

# The epochs of --log files $1 (the plain program's) and $2 (a job's),
# and how many of them differ: in phase or epoch, or by more than 1e-5
# in the loss or a validation number (NA only as NA).
same_losses() {
	paste "$1" "$2" | awk -F'\t' -v o=$(head -1 "$1" | awk -F'\t' '{ print NF }') '
		NR > 1 {
			if ($1 != $(o + 1) || $2 != $(o + 2)) bad++
			for (c = 3; c <= 8; c++) {
				d = $c - $(o + c); if (d < 0) d = -d
				if (($c == "NA") != ($(o + c) == "NA") || d > 1e-5) { bad++; break }
			}
		}
		END { print NR - 1, bad + 0 }'
}

# Under make asan a job starts in seconds, not in half of one: the tests
# that add no MPI code of their own to the others' run only in make check.
skip_sanitized() {
	[ -z "${REC_SANITIZED:-}" ] || skip "make asan runs the jobs of the other tests"
}

cd "$BATS_TEST_TMPDIR" || exit 1
