#!/usr/bin/env bats
# rec-train-mf's per-rating SGD as a job (distributed SGD): 1 rank writes
# the plain program's model bytes; 2 and 4 ranks send (N - 1) items
# (k + 1) 4 bytes an epoch and reach the test RMSE of 1 rank within
# 0.002 on the study's data.  By minibatches (synchronous data
# parallelism), on ratings and with --loss bpr: 1 rank the plain
# program's bytes, 2 and 4 its losses up to float order, the bytes sent
# as the formula, the test RMSE (NDCG@10) within 0.002 (0.005) of 1
# rank's on the study's data.  Bad input and bad usage fail once.
bats_require_minimum_version 1.5.0
load helpers

mf="$BATS_TEST_DIRNAME/../fixtures/mf"
sgd="--optimizer sgd --batch 1"

# The RMSE of model $1 on the ratings $2.
rmse() {
	rec-score -m "$1" "$2" | rec-eval | awk '$1 == "rmse" { print $2 }'
}

@test "1 rank: the plain program's model bytes, on 1 and 2 threads" {
	for t in 1 2; do
		rec-train-mf $sgd --threads $t --epochs 5 --quiet --log plain.log \
			-o plain.st "$mf/train.tsv"
		run -0 job 1 rec-train-mf $sgd --threads $t --epochs 5 --quiet \
			--log job.log -o job.st "$mf/train.tsv"
		cmp plain.st job.st
		assert_equal "$(cut -f 1-8 job.log)" "$(cut -f 1-8 plain.log)"
	done
}

@test "2 and 4 ranks: bytes sent an epoch as the formula, every row trained" {
	items=$(cut -f 2 "$mf/train.tsv" | sort -u | wc -l)
	for n in 2 4; do
		for k in 64 5; do
			run -0 --separate-stderr job $n rec-train-mf $sgd --dim $k --threads 2 \
				--epochs 3 --log job.log -o job$n.st "$mf/train.tsv"
			assert_equal "${stderr_lines[2]%% loss*}" "rec-train-mf: fit epoch 3/3"
			assert_equal "${#stderr_lines[@]}" 3   # rank 0's lines alone
			assert_equal "$(head -1 job.log | cut -f 10)" bytes_sent
			run -0 awk -F'\t' -v want=$(( (n - 1) * items * (k + 1) * 4 )) \
				'NR > 1 && $10 != want "" { bad++ } END { print NR - 1, bad + 0 }' job.log
			assert_output "3 0"
		done
		# the save gathers every rank's users and items: the training
		# RMSE is the plain program's within 0.01 (1.31 untrained)
		rec-train-mf $sgd --quiet -o plain.st "$mf/train.tsv"
		run -0 job $n rec-train-mf $sgd --quiet -o job.st "$mf/train.tsv"
		run -0 rec-info job.st
		assert_line "$(printf 'meta\tranks\t%d' $n)"   # (not in a 1-rank job's: cmp)
		run -0 awk -v a="$(rmse plain.st "$mf/train.tsv")" \
			-v b="$(rmse job.st "$mf/train.tsv")" \
			'BEGIN { d = a - b; if (d < 0) d = -d; print (d <= 0.01 && a < 0.4) ? "ok" : a " " b }'
		assert_output ok
	done
}

@test "minibatches, 1 rank: the plain program's model bytes, ratings and bpr" {
	for loss in "--loss mse" "--loss bpr --dropout 0.3"; do
		rec-train-mf $loss --epochs 3 --quiet --log plain.log -o plain.st "$mf/train.tsv"
		run -0 job 1 rec-train-mf $loss --epochs 3 --quiet --log job.log -o job.st \
			"$mf/train.tsv"
		cmp plain.st job.st
		assert_equal "$(cut -f 1-8 job.log)" "$(cut -f 1-8 plain.log)"
	done
}

@test "minibatches, 2 and 4 ranks: the plain program's losses, bytes as the formula" {
	rows=$(wc -l < "$mf/train.tsv")
	pos=$(awk '$3 >= 3.5' "$mf/train.tsv" | wc -l)
	for n in 2 4; do
		# --batch 1: a step is one row, of one rank, one item (with bpr
		# --negatives 1, a positive and its negative: two items, no mu)
		job $n rec-train-mf --dim 5 --batch 1 --epochs 2 --quiet --log job.log \
			-o job.st "$mf/train.tsv"
		run -0 awk -F'\t' -v want=$(( (n - 1) * 4 * rows * (5 + 2 + 2) )) \
			'NR > 1 && $10 != want "" { bad++ } END { print NR - 1, bad + 0 }' job.log
		assert_output "2 0"
		job $n rec-train-mf --loss bpr --dim 5 --batch 1 --epochs 2 --quiet \
			--log job.log -o job.st "$mf/train.tsv"
		run -0 awk -F'\t' -v want=$(( (n - 1) * 4 * pos * 2 * (5 + 2) )) \
			'NR > 1 && $10 != want "" { bad++ } END { print NR - 1, bad + 0 }' job.log
		assert_output "2 0"
		# the plain program's steps, dropout masks and negatives: its
		# losses but for the order of float additions; the save gathers
		# every rank's users: its training RMSE
		for loss in "--loss mse" "--loss bpr --dropout 0.3"; do
			rec-train-mf $loss --batch 16 --epochs 4 --quiet --log plain.log \
				-o plain.st "$mf/train.tsv"
			job $n rec-train-mf $loss --batch 16 --epochs 4 --quiet --log job.log \
				-o job.st "$mf/train.tsv"
			run -0 same_losses plain.log job.log
			assert_output "4 0"
		done
		rec-train-mf --batch 16 --quiet -o plain.st "$mf/train.tsv"
		job $n rec-train-mf --batch 16 --quiet -o job.st "$mf/train.tsv"
		run -0 awk -v a="$(rmse plain.st "$mf/train.tsv")" \
			-v b="$(rmse job.st "$mf/train.tsv")" \
			'BEGIN { d = a - b; if (d < 0) d = -d; print d <= 0.0005 ? "ok" : a " " b }'
		assert_output ok
	done
}

@test "minibatches, --valid --refit: 1 rank the plain bytes, 2 and 4 its epochs" {
	for loss in "--loss mse" "--loss bpr --dropout 0.3"; do
		args="$loss --batch 16 --epochs 6 --patience 2 --valid $mf/valid.tsv --refit --quiet"
		rec-train-mf $args --log plain.log -o plain.st "$mf/train.tsv"
		job 1 rec-train-mf $args --log job.log -o job.st "$mf/train.tsv"
		cmp plain.st job.st
		for n in 2 4; do
			job $n rec-train-mf $args --log job.log -o job.st "$mf/train.tsv"
			run -0 same_losses plain.log job.log
			assert_output "$(( $(wc -l < plain.log) - 1 )) 0"
		done
	done
}

@test "ml-latest-small: 2 and 4 ranks within 0.002 test RMSE of 1 rank" {
	skip_sanitized
	study_split
	rec-train-mf $sgd --quiet -o plain.st seen.tsv
	one=$(rmse plain.st test.tsv)
	run -0 job 1 rec-train-mf $sgd --quiet -o job.st seen.tsv
	cmp plain.st job.st
	for n in 2 4; do
		run -0 job $n rec-train-mf $sgd --quiet -o job.st seen.tsv
		run -0 awk -v a="$one" -v b="$(rmse job.st test.tsv)" \
			'BEGIN { d = a - b; if (d < 0) d = -d; print (d <= 0.002 && b > 0.8 && b < 0.9) ? "ok" : a " " b }'
		assert_output ok
	done
}

@test "minibatches, ml-latest-small: 2 and 4 ranks as good as 1 rank" {
	skip_sanitized
	study_split
	# the epochs of --valid --refit runs on this split, seed 1; the
	# ranking flags examples/paper's
	rec-train-mf --epochs 39 --quiet -o plain.st seen.tsv
	one=$(rmse plain.st test.tsv)
	bpr="--loss bpr --lr 0.002 --reg 0.01 --batch 64 --dropout 0 --epochs 20"
	rec-train-mf $bpr --quiet -o plain.st seen.tsv
	best=$(ndcg plain.st)
	for n in 2 4; do
		run -0 job $n rec-train-mf --epochs 39 --quiet -o job.st seen.tsv
		run -0 awk -v a="$one" -v b="$(rmse job.st test.tsv)" \
			'BEGIN { d = a - b; if (d < 0) d = -d; print (d <= 0.002 && b > 0.8 && b < 0.9) ? "ok" : a " " b }'
		assert_output ok
		run -0 job $n rec-train-mf $bpr --quiet -o job.st seen.tsv
		run -0 awk -v a="$best" -v b="$(ndcg job.st)" \
			'BEGIN { d = a - b; if (d < 0) d = -d; print (d <= 0.005 && b > 0.12) ? "ok" : a " " b }'
		assert_output ok
	done
	# early stopping in a job: the plain program's best epoch
	rec-train-mf --valid valid.tsv --refit --quiet --log plain.log -o plain.st train.tsv
	job 2 rec-train-mf --valid valid.tsv --refit --quiet --log job.log -o job.st train.tsv
	assert_equal "$(grep -c '^refit' job.log)" "$(grep -c '^refit' plain.log)"
	run -0 awk -v a="$(rmse plain.st test.tsv)" -v b="$(rmse job.st test.tsv)" \
		'BEGIN { d = a - b; if (d < 0) d = -d; print d <= 0.002 ? "ok" : a " " b }'
	assert_output ok
}

@test "bad input on one rank: the plain message, once, exit 1; bad usage: 2" {
	{ cat "$mf/train.tsv"; printf '7\t3\tfour\t5\n'; } > bad.tsv
	run -1 --separate-stderr rec-train-mf $sgd -o m.st bad.tsv
	want=$stderr
	assert_equal "$want" "rec-train-mf: bad.tsv:$(wc -l < bad.tsv): rating 'four' is not a number"
	mkdir out
	run -1 --separate-stderr job 4 rec-train-mf $sgd -o out/m.st bad.tsv
	assert_equal "$stderr" "$want"
	run ls -A out
	assert_output ''
	run -2 --separate-stderr job 2 rec-train-mf $sgd --valid "$mf/valid.tsv" \
		-o out/m.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-mf: --valid does not run as a job of 2 processes of per-rating SGD yet: choose the epochs with one"
	run ls -A out
	assert_output ''
}
