#!/usr/bin/env bats
# Jobs that fail: the programs that run as one process refuse a job.
bats_require_minimum_version 1.5.0
load helpers

mf="$BATS_TEST_DIRNAME/../fixtures/mf"

@test "the programs that run as one process refuse a job; one rank runs them" {
	skip_sanitized
	# (rec_cli_init's refusal)
	for prog in rec-filter rec-info rec-train-mf rec-train-ease rec-score; do
		run -2 --separate-stderr job 2 $prog "$mf/train.tsv"
		assert_equal "$stderr" "$prog: runs as one process, not as a job of 2: use mpirun -np 1, or the plain build"
	done
	rec-train-mf --quiet --epochs 2 -o plain.st "$mf/train.tsv"
	run -0 job 1 rec-train-mf --quiet --epochs 2 -o job.st "$mf/train.tsv"
	cmp plain.st job.st
}
