# helpers.bash - loaded by every .bats file: bats-support and bats-assert,
# the programs under test first on PATH, the fixtures folder.
bats_load_library bats-support
bats_load_library bats-assert

REC_BIN=${REC_BIN:-"$BATS_TEST_DIRNAME/../../build/bin"}
PATH="$REC_BIN:$PATH"
fixtures="$BATS_TEST_DIRNAME/../fixtures"
movielens="$BATS_TEST_DIRNAME/../../data/ml-latest-small"

# The test's own scratch folder.
cd "$BATS_TEST_TMPDIR" || exit 1
