#!/usr/bin/env bats
# rec-train-ease as a job: 1, 2 and 4 ranks write the plain program's
# model bytes (X^T X is whole counts, so its sum over the ranks is exact
# and B the same bits); with weights that are not, the lambda, the NDCG
# and the lists up to ties agree.
bats_require_minimum_version 1.5.0
load helpers

mf="$BATS_TEST_DIRNAME/../fixtures/mf"

@test "1, 2 and 4 ranks: the plain program's model bytes" {
	rec-train-ease -o plain.st "$mf/train.tsv"
	for n in 1 2 4; do
		run -0 job $n rec-train-ease -o job$n.st "$mf/train.tsv"
		cmp plain.st job$n.st
	done
	# each rank's sums on 3 threads; weights of 0.25 sum exactly in any order
	rec-train-ease --weak 0.25 --threads 3 -o plain.st "$mf/train.tsv"
	run -0 job 2 rec-train-ease --weak 0.25 --threads 3 -o job.st "$mf/train.tsv"
	cmp plain.st job.st
}

@test "ml-latest-small: 2 and 4 ranks, the same model bytes, lambdas and lists" {
	skip_sanitized
	study_split
	rec-train-ease --valid valid.tsv --grid 50,200,800 --refit --log plain.log \
		-o plain.st train.tsv 2> plain.err
	for n in 2 4; do
		run -0 --separate-stderr job $n rec-train-ease --valid valid.tsv \
			--grid 50,200,800 --refit --log job.log -o job.st train.tsv
		cmp plain.st job.st
		assert_equal "$stderr" "$(cat plain.err)"   # printed once, by rank 0
		assert_equal "$(cut -f 1,2 job.log)" "$(cut -f 1,2 plain.log)"
	done
	# --weak 0.3: X^T X of weights, summed in another order: the same
	# lambda, NDCG within 1e-6, and the same lists up to ties
	rec-train-ease --weak 0.3 --valid valid.tsv --grid 100,400 --log plain.log \
		-o plain.st train.tsv 2> /dev/null
	run -0 job 4 rec-train-ease -q --weak 0.3 --valid valid.tsv --grid 100,400 \
		--log job.log -o job.st train.tsv
	run -0 awk -F'\t' 'NR == FNR { v[FNR] = $2; next }
		FNR > 1 && ($2 - v[FNR] > 1e-6 || v[FNR] - $2 > 1e-6) { bad++ }
		END { print bad + 0 }' plain.log job.log
	assert_output 0
	run -0 rec-info job.st
	assert_line "$(rec-info plain.st | grep -P '^meta\tlambda\t')"
	cut -f 1 test.tsv > users
	rec-score -m plain.st --top 10 --exclude train.tsv -o plain.top users
	rec-score -m job.st --top 10 --exclude train.tsv -o job.top users
	# line by line: the same user and rank; the same item, or one whose
	# score ties (within 1e-5) with the plain list's there
	run -0 awk -F'\t' '$1 != $5 || $2 != $6 { bad++ }
		{ d = $4 - $8; if (d < 0) d = -d; if (d > 1e-5) bad++ }
		END { print NR, bad + 0 }' <(paste plain.top job.top)
	assert [ "$(wc -l < plain.top)" -gt 1000 ]
	assert_output "$(wc -l < plain.top) 0"
}

@test "--seq-weight: 2 and 4 ranks, T summed over them, the same lists up to ties" {
	rec-train-ease --lambda 10 --seq-weight 4 --seq-decay 0.5 --seq-lambda 2 \
		-o plain.st "$mf/train.tsv"
	rec-score -m plain.st --top 10 --exclude "$mf/train.tsv" -o plain.top
	for n in 2 4; do
		run -0 job $n rec-train-ease --lambda 10 --seq-weight 4 --seq-decay 0.5 \
			--seq-lambda 2 -o job.st "$mf/train.tsv"
		run -0 rec-info job.st
		assert_line "$(printf 'tensor\tT\tF32\t20x20\t1600')"
		rec-score -m job.st --top 10 --exclude "$mf/train.tsv" -o job.top
		# the same user and rank; the same item, or one whose score ties
		# (within 1e-5) with the plain list's there
		run -0 awk -F'\t' '$1 != $5 || $2 != $6 { bad++ }
			{ d = $4 - $8; if (d < 0) d = -d; if (d > 1e-5) bad++ }
			END { print NR, bad + 0 }' <(paste plain.top job.top)
		assert_output "300 0"
	done
}
