#!/usr/bin/env bats
# rec-score as a job: the users spread over the ranks, their lists (or
# the lines' predictions) written by rank 0 in order: the plain
# program's bytes, whatever the number of ranks.
bats_require_minimum_version 1.5.0
load helpers

mf="$BATS_TEST_DIRNAME/../fixtures/mf"

@test "--top with --exclude, for every user or a file's: 1, 2, 4 ranks, the plain bytes" {
	rec-train-ease -o ease.st "$mf/train.tsv"
	rec-score -m ease.st --top 3 --exclude "$mf/train.tsv" -o plain.top
	assert_equal "$(wc -l < plain.top)" 90
	for n in 1 2 4; do
		run -0 job $n rec-score -m ease.st --top 3 --exclude "$mf/train.tsv" \
			-o job$n.top
		cmp plain.top job$n.top
	done
	# a rating model, the users of a file, threads in each rank
	rec-train-mf --quiet --epochs 3 -o mf.st "$mf/train.tsv"
	rec-score -m mf.st --top 3 --exclude "$mf/train.tsv" -o plain.top \
		"$mf/test.tsv"
	run -0 job 3 rec-score -m mf.st --top 3 --exclude "$mf/train.tsv" \
		--threads 2 -o job.top "$mf/test.tsv"
	cmp plain.top job.top
}

@test "predictions and --history: the plain bytes, on standard output too" {
	rec-train-mf --quiet --epochs 3 -o mf.st "$mf/train.tsv"
	rec-train-ease -o ease.st "$mf/train.tsv"
	rec-score -m mf.st "$mf/test.tsv" > plain.pred 2> plain.err
	run -0 --separate-stderr job 2 rec-score -m mf.st "$mf/test.tsv"
	assert_equal "$output" "$(cat plain.pred)"
	assert_equal "$stderr" "$(cat plain.err)"   # the unknowns, summed, once
	printf '999\t1\t4\t5\n' > new.tsv
	rec-score -m ease.st --top 4 --history new.tsv > plain.top
	run -0 --separate-stderr job 2 rec-score -m ease.st --top 4 --history new.tsv
	assert_equal "$output" "$(cat plain.top)"
}

@test "ml-latest-small: the test users' top 10 of EASE, 2 and 4 ranks, the plain bytes" {
	skip_sanitized
	[ -f "$movielens/ratings.csv" ] || skip "no data/ml-latest-small (make data)"
	rec-filter --min-item-ratings 20 "$movielens/ratings.csv" |
		rec-split --ratio 0.8 --train train.tsv --test test.tsv
	rec-train-ease -o ease.st train.tsv
	rec-score -m ease.st --top 10 --exclude train.tsv -o plain.top test.tsv
	assert [ "$(wc -l < plain.top)" -gt 5000 ]
	for n in 2 4; do
		run -0 job $n rec-score -m ease.st --top 10 --exclude train.tsv \
			-o job.top test.tsv
		cmp plain.top job.top
	done
}
