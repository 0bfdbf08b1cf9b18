#!/usr/bin/env bats
# rec-train-lstm as a job (synchronous data parallelism, each rank the
# training sequences of its users): 1 rank writes the plain program's
# model bytes; 2 and 4 ranks train the plain program's model up to the
# order of float additions, for ratings and BPR, truncated and full
# backpropagation: its losses within 1e-5 and its RMSE within 0.0005 on
# the fixture, the same histories in the file, its test RMSE within
# 0.002 on the study's data; it sends the formula's bytes an epoch.  A
# job's model depends on its ranks, not their threads.  Bad input and
# bad usage fail once, as the plain program does.
bats_require_minimum_version 1.5.0
load helpers

mf="$BATS_TEST_DIRNAME/../fixtures/mf"
small="--dim 4 --hidden 4 --mlp 8"

# The RMSE of model $1 on the ratings $2.
rmse() {
	rec-score -m "$1" "$2" | rec-eval | awk '$1 == "rmse" { print $2 }'
}

# The stored histories of model file $1.
histories() {
	python3 "$BATS_TEST_DIRNAME/../fixtures/st/make-fixtures.py" --read "$1" |
		awk -F'\t' '$1 == "values" && $2 ~ /^hist_/'
}

@test "1 rank: the plain program's model bytes, on 1 and 2 threads" {
	for args in "" "--loss bpr" "--bptt full --horizon 0" "--loss bpr --negatives 3"; do
		for t in 1 2; do
			rec-train-lstm $small $args --threads $t --epochs 2 --quiet \
				--log plain.log -o plain.st "$mf/train.tsv"
			run -0 job 1 rec-train-lstm $small $args --threads $t --epochs 2 \
				--quiet --log job.log -o job.st "$mf/train.tsv"
			cmp plain.st job.st
			assert_equal "$(cut -f 1-8 job.log)" "$(cut -f 1-8 plain.log)"
		done
	done
}

@test "2 and 4 ranks: the plain program's losses, histories and RMSE" {
	for args in "" "--loss bpr" "--bptt full --dropout 0.5" \
	            "--loss bpr --negatives 3 --batch 4" "--batch 2 --chunk 3 --seq-len 4"; do
		rec-train-lstm $small $args --epochs 3 --quiet --log plain.log \
			-o plain.st "$mf/train.tsv"
		for n in 2 4; do
			run -0 job $n rec-train-lstm $small $args --epochs 3 --quiet \
				--log job.log -o job.st "$mf/train.tsv"
			run -0 same_losses plain.log job.log
			assert_output "3 0"
			# the ranks' users gathered: the plain program's histories
			assert_equal "$(histories job.st)" "$(histories plain.st)"
			run -0 rec-info job.st
			assert_line "$(printf 'meta\tranks\t%d' $n)"
		done
	done
	# the save gathers every rank's users: the plain program's RMSE but
	# for the order of float additions
	rec-train-lstm --epochs 4 --batch 8 --quiet -o plain.st "$mf/train.tsv"
	for n in 2 4; do
		job $n rec-train-lstm --epochs 4 --batch 8 --quiet -o job.st "$mf/train.tsv"
		run -0 awk -v a="$(rmse plain.st "$mf/test.tsv")" \
			-v b="$(rmse job.st "$mf/test.tsv")" \
			'BEGIN { d = a - b; if (d < 0) d = -d; print d <= 0.0005 ? "ok" : a " " b }'
		assert_output ok
		# a job's model depends on the ranks, not on their threads
		job $n rec-train-lstm $small --threads 2 --epochs 2 --quiet -o t2.st \
			"$mf/train.tsv"
		job $n rec-train-lstm $small --threads 1 --epochs 2 --quiet -o t1.st \
			"$mf/train.tsv"
		cmp t1.st t2.st
	done
}

@test "2 and 4 ranks: bytes sent an epoch as the formula" {
	# --batch 1 --chunk 1 --seq-len 1: a step is one rating p of one
	# rank, its LSTM run the entry before it (none for a user's first):
	# R = 300 steps, 2 R - U touched item rows of k + 1 floats and an
	# index; D = 5 x 16 + 4 x 16 + 16 + 12 x 8 + 8 + 8 + 1 = 273 dense
	# floats; each sum of F floats counts 2 (N - 1) 4 F bytes, each row
	# (N - 1) 4 (k + 2)
	users=$(cut -f 1 "$mf/train.tsv" | sort -u | wc -l)
	for n in 2 4; do
		run -0 job $n rec-train-lstm $small --batch 1 --chunk 1 --seq-len 1 \
			--epochs 2 --quiet --log job.log -o job.st "$mf/train.tsv"
		assert_equal "$(head -1 job.log | awk -F'\t' '{ print $NF }')" bytes_sent
		run -0 awk -F'\t' \
			-v want=$(( 4 * (n - 1) * (300 * 2 * 273 + (600 - users) * 6) )) \
			'NR > 1 && $NF != want "" { bad++ } END { print NR - 1, bad + 0 }' job.log
		assert_output "2 0"
	done
}

@test "ranks without ratings or positives still step" {
	# two users on four ranks: two ranks have no rows at all
	awk -F'\t' '$1 <= 2' "$mf/train.tsv" > two.tsv
	rec-train-lstm $small --epochs 3 --batch 1 --chunk 4 --quiet --log plain.log \
		-o plain.st two.tsv
	job 4 rec-train-lstm $small --epochs 3 --batch 1 --chunk 4 --quiet \
		--log job.log -o job.st two.tsv
	run -0 same_losses plain.log job.log
	assert_output "3 0"
	assert_equal "$(histories job.st)" "$(histories plain.st)"
	# one user's positives
	awk -F'\t' -v OFS='\t' '$1 != 1 { $3 = 1 } 1' "$mf/train.tsv" > one.tsv
	rec-train-lstm $small --loss bpr --epochs 3 --quiet --log plain.log \
		-o plain.st one.tsv
	job 4 rec-train-lstm $small --loss bpr --epochs 3 --quiet --log job.log \
		-o job.st one.tsv
	run -0 same_losses plain.log job.log
	assert_output "3 0"
}

@test "--valid --refit: 1 rank the plain bytes, 2 and 4 the plain program's epochs" {
	for loss in mse bpr; do
		args="$small --loss $loss --epochs 6 --patience 2 --valid $mf/valid.tsv --refit --quiet"
		rec-train-lstm $args --log plain.log -o plain.st "$mf/train.tsv"
		job 1 rec-train-lstm $args --log job.log -o job.st "$mf/train.tsv"
		cmp plain.st job.st
		for n in 2 4; do
			job $n rec-train-lstm $args --log job.log -o job.st "$mf/train.tsv"
			run -0 same_losses plain.log job.log
			assert_output "$(( $(wc -l < plain.log) - 1 )) 0"
		done
	done
}

@test "ml-latest-small: 2 and 4 ranks within 0.002 test RMSE of 1 rank" {
	skip_sanitized
	study_split
	rec-train-lstm --seed 1 --quiet -o plain.st seen.tsv
	one=$(rmse plain.st test.tsv)
	for n in 2 4; do
		run -0 job $n rec-train-lstm --seed 1 --quiet -o job.st seen.tsv
		run -0 awk -v a="$one" -v b="$(rmse job.st test.tsv)" \
			'BEGIN { d = a - b; if (d < 0) d = -d; print (d <= 0.002 && b > 0.8 && b < 0.95) ? "ok" : a " " b }'
		assert_output ok
	done
}

@test "bad input on one rank: the plain message, once, exit 1; no file" {
	{ cat "$mf/train.tsv"; printf '7\t3\tfour\t5\n'; } > bad.tsv
	run -1 --separate-stderr rec-train-lstm -o m.st bad.tsv
	want=$stderr
	assert_equal "$want" "rec-train-lstm: bad.tsv:$(wc -l < bad.tsv): rating 'four' is not a number"
	mkdir out
	run -1 --separate-stderr job 4 rec-train-lstm -o out/m.st bad.tsv
	assert_equal "$stderr" "$want"
	run ls -A out
	assert_output ''
	# no positives in the job: every rank knows, rank 0 says
	awk -F'\t' -v OFS='\t' '{ $3 = 1 } 1' "$mf/train.tsv" > none.tsv
	run -1 --separate-stderr job 4 rec-train-lstm --loss bpr -o out/m.st none.tsv
	assert_equal "$stderr" "rec-train-lstm: no positives (ratings of at least 3.5 stars) to train on"
	run ls -A out
	assert_output ''
}

@test "bad usage: the plain message, once, exit 2" {
	run -2 --separate-stderr rec-train-lstm --negatives 3 -o m.st "$mf/train.tsv"
	want=$stderr
	assert_equal "${stderr_lines[0]}" "rec-train-lstm: --positive and --negatives go with --loss bpr"
	run -2 --separate-stderr job 2 rec-train-lstm --negatives 3 -o m.st "$mf/train.tsv"
	assert_equal "$stderr" "$want"
	[ ! -e m.st ]
}
