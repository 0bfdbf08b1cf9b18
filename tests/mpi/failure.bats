#!/usr/bin/env bats
# Jobs that fail: bad input on any rank's part ends every rank with exit
# 1 and the plain program's message, once; bad usage exits 2, once; the
# programs that run as one process refuse a job; a rank killed mid-run
# ends the job and leaves no file.
bats_require_minimum_version 1.5.0
load helpers

mf="$BATS_TEST_DIRNAME/../fixtures/mf"

# The message of the plain program on $1 (its standard error).
plain_message() {
	run -1 --separate-stderr "$@"
	echo "$stderr"
}

@test "a bad line in the last rank's part: the plain message, once, exit 1" {
	# the last line is bad: in rank 3's part of 4
	{ cat "$mf/train.tsv"; printf '7\t3\tfour\t5\n'; } > bad.tsv
	want=$(plain_message rec-train-ease -o e.st bad.tsv)
	assert_equal "$want" "rec-train-ease: bad.tsv:$(wc -l < bad.tsv): rating 'four' is not a number"
	mkdir out
	run -1 --separate-stderr job 4 rec-train-ease -o out/e.st bad.tsv
	assert_equal "$stderr" "$want"
	assert_equal "$output" ""
	run ls -A out
	assert_output ''
	# a repeat whose first row is in rank 0's part, its second in rank 1's
	{ cat "$mf/train.tsv"; head -1 "$mf/train.tsv"; } > dup.tsv
	want=$(plain_message rec-train-ease -o e.st dup.tsv)
	run -1 --separate-stderr job 2 rec-train-ease -o e.st dup.tsv
	assert_equal "$stderr" "$want"
	# rec-score: a bad --exclude line, and a bad line to predict
	rec-train-ease -o e.st "$mf/train.tsv"
	want=$(plain_message rec-score -m e.st --top 3 --exclude bad.tsv -o top)
	run -1 --separate-stderr job 3 rec-score -m e.st --top 3 --exclude bad.tsv -o top
	assert_equal "$stderr" "$want"
	assert [ ! -e top ]
	rec-train-mf --quiet --epochs 1 -o mf.st "$mf/train.tsv"
	{ cat "$mf/test.tsv"; printf '1\n'; } > pairs.tsv
	want=$(plain_message rec-score -m mf.st pairs.tsv)
	run -1 --separate-stderr job 2 rec-score -m mf.st -o out/pred pairs.tsv
	assert_equal "$stderr" "$want"
	run ls -A out
	assert_output ''
}

@test "bad usage: exit 2, one message; standard input is refused" {
	skip_sanitized
	for bad in '--lambda -1' '--bogus'; do
		run -2 --separate-stderr rec-train-ease $bad "$mf/train.tsv"
		want=$stderr
		run -2 --separate-stderr job 2 rec-train-ease $bad "$mf/train.tsv"
		assert_equal "$stderr" "$want"
	done
	mkdir out
	run -2 --separate-stderr job 2 rec-train-ease -o out/e.st < "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-ease: a job of 2 processes reads a file, not standard input"
	run ls -A out
	assert_output ''
	rec-train-ease -o e.st "$mf/train.tsv"
	run -2 --separate-stderr job 2 rec-score -m e.st --top 3 --exclude - < "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-score: a job of 2 processes reads a file, not standard input"
	run -0 job 2 rec-train-ease --version
	assert_output "rec-train-ease (recpipe) 0.1.0"
}

@test "the programs that run as one process refuse a job; one rank runs them" {
	skip_sanitized
	for prog in rec-filter rec-info; do
		run -2 --separate-stderr job 2 $prog "$mf/train.tsv"
		assert_equal "$stderr" "$prog: runs as one process, not as a job of 2: use mpirun -np 1, or the plain build"
	done
	rec-train-mf --quiet --epochs 2 -o plain.st "$mf/train.tsv"
	run -0 job 1 rec-train-mf --quiet --epochs 2 -o job.st "$mf/train.tsv"
	cmp plain.st job.st
}

@test "a rank killed mid-run ends the job with an error and leaves no file" {
	skip_sanitized
	# 4,000 items: seconds of EASE, with rank 0's output open
	awk 'BEGIN { srand(7); for (u = 1; u <= 2000; u++) { delete seen
		for (k = 0; k < 60; k++) { i = int(rand() * 4000) + 1
			if (!(i in seen)) { seen[i] = 1; printf "%d\t%d\t4\t%d\n", u, i, k } } } }' \
		> big.tsv
	echo old > e.st   # the output of an earlier run
	# (mpirun without -q: its note on the rank's death)
	timeout 120 mpirun --oversubscribe -np 2 "$REC_MPI_BIN/rec-train-ease" \
		-o e.st big.tsv 2> job.err &
	pid=$!
	# once rank 0 has opened its temporary file, kill rank 1: the
	# program's process in this folder whose environment says so
	for t in $(seq 600); do
		ls .e.st.* > /dev/null 2>&1 && break
		sleep 0.05
	done
	for p in $(pgrep -x rec-train-ease); do
		[ "$(readlink /proc/$p/cwd)" = "$PWD" ] || continue
		if tr '\0' '\n' < /proc/$p/environ | grep -qx OMPI_COMM_WORLD_RANK=1; then
			kill -9 $p
		fi
	done
	status=0
	wait $pid || status=$?   # (not run: the job is this shell's child)
	assert [ "$status" -ne 0 ]
	run ls -A
	assert_output "$(printf 'big.tsv\ne.st\njob.err')"
	assert_equal "$(cat e.st)" old
	run -0 cat job.err
	assert_output --partial 'rank 1'
	assert_output --partial 'signal 9'
	# (so a restart is the same command again: nothing to clean up)
}
