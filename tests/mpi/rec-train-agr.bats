#!/usr/bin/env bats
# rec-train-agr as a job (synchronous data parallelism, each rank the
# graph of its users' ratings): 1 rank writes the plain program's model
# bytes; 2 and 4 ranks train the plain program's model up to the order
# of float additions, for ratings and BPR, LightGCN and gcn, the MLP and
# the dot head: its losses and attention weights within 1e-5 on the
# fixture, the same graph in the file, its test RMSE within 0.002 on the
# study's data; it sends the formula's bytes an epoch.  A job's model
# depends on its ranks, not their threads.
# Bad input and bad usage fail once.
bats_require_minimum_version 1.5.0
load helpers

mf="$BATS_TEST_DIRNAME/../fixtures/mf"

# The RMSE of model $1 on the ratings $2.
rmse() {
	rec-score -m "$1" "$2" | rec-eval | awk '$1 == "rmse" { print $2 }'
}

# The graph tensors of model file $1.
graph() {
	python3 "$BATS_TEST_DIRNAME/../fixtures/st/make-fixtures.py" --read "$1" |
		awk -F'\t' '$1 == "values" && $2 ~ /^graph\./'
}

# The epochs of --log files $1 and $2 whose attention weights (the
# columns after seconds) differ by more than 1e-5.
same_attention() {
	paste "$1" "$2" | awk -F'\t' -v o=$(head -1 "$1" | awk -F'\t' '{ print NF }') '
		NR > 1 { for (c = 10; c <= o; c++) { d = $c - $(o + c); if (d < 0) d = -d
			if (d > 1e-5) { bad++; break } } }
		END { print NR - 1, bad + 0 }'
}

@test "1 rank: the plain program's model bytes, on 1 and 2 threads" {
	for args in "" "--loss bpr" "--conv gcn" "--loss bpr --head dot"; do
		for t in 1 2; do
			rec-train-agr $args --threads $t --epochs 2 --quiet --log plain.log \
				-o plain.st "$mf/train.tsv"
			run -0 job 1 rec-train-agr $args --threads $t --epochs 2 --quiet \
				--log job.log -o job.st "$mf/train.tsv"
			cmp plain.st job.st
			assert_equal "$(cut -f 1-8 job.log)" "$(cut -f 1-8 plain.log)"
		done
	done
}

@test "2 and 4 ranks: the plain program's losses, attention and graph" {
	for args in "" "--loss bpr" "--conv gcn --weight rating" \
	            "--loss bpr --conv gcn --head dot" "--batch 16 --propagations 4"; do
		rec-train-agr $args --epochs 3 --quiet --log plain.log -o plain.st \
			"$mf/train.tsv"
		for n in 2 4; do
			run -0 job $n rec-train-agr $args --epochs 3 --quiet --log job.log \
				-o job.st "$mf/train.tsv"
			run -0 same_losses plain.log job.log
			assert_output "3 0"
			run -0 same_attention plain.log job.log
			assert_output "3 0"
			# the ranks' parts gathered: the plain program's graph
			assert_equal "$(graph job.st)" "$(graph plain.st)"
			run -0 rec-info job.st
			assert_line "$(printf 'meta\tranks\t%d' $n)"
		done
	done
	# the save gathers every rank's users: the plain program's RMSE but
	# for the order of float additions
	rec-train-agr --epochs 5 --batch 16 --quiet -o plain.st "$mf/train.tsv"
	for n in 2 4; do
		job $n rec-train-agr --epochs 5 --batch 16 --quiet -o job.st "$mf/train.tsv"
		run -0 awk -v a="$(rmse plain.st "$mf/train.tsv")" \
			-v b="$(rmse job.st "$mf/train.tsv")" \
			'BEGIN { d = a - b; if (d < 0) d = -d; print d <= 0.0005 ? "ok" : a " " b }'
		assert_output ok
		# a job's model depends on the ranks, not on their threads
		job $n rec-train-agr --conv gcn --threads 2 --epochs 2 --quiet -o t2.st \
			"$mf/train.tsv"
		job $n rec-train-agr --conv gcn --threads 1 --epochs 2 --quiet -o t1.st \
			"$mf/train.tsv"
		cmp t1.st t2.st
	done
}

@test "2 and 4 ranks: bytes sent an epoch as the formula" {
	# --dim 4 --attn-dim 2 --mlp 8 --layers 2 --batch 16 on 300 ratings
	# of 20 items: S = 19 steps, P = 16 blocks, D = 2 (2 x 2 x 4 + 2 + 2)
	# + 12 x 8 + 8 + 8 + 1 = 153; each sum of F floats counts
	# 2 (N - 1) 4 F bytes: a step's I + D, a block's (2L + 1) I K (gcn:
	# and L K^2), the first epoch's one propagation more, L I K
	small="--dim 4 --attn-dim 2 --mlp 8 --layers 2 --batch 16 --epochs 3 --quiet"
	for n in 2 4; do
		for conv in lightgcn gcn; do
			run -0 job $n rec-train-agr --conv $conv $small --log job.log \
				-o job.st "$mf/train.tsv"
			assert_equal "$(head -1 job.log | awk -F'\t' '{ print $NF }')" bytes_sent
			w=$(( 19 * (20 + 153) + 16 * 5 * 20 * 4 ))
			[ $conv = gcn ] && w=$(( w + 16 * 2 * 16 ))
			run -0 awk -F'\t' -v a=$(( 8 * (n - 1) * (w + 2 * 20 * 4) )) \
				-v b=$(( 8 * (n - 1) * w )) \
				'NR > 1 && $NF != (NR == 2 ? a : b) "" { bad++ } END { print NR - 1, bad + 0 }' \
				job.log
			assert_output "3 0"
		done
	done
}

@test "ranks without ratings or positives still step" {
	# two users on four ranks: two ranks have no rows at all
	awk -F'\t' '$1 <= 2' "$mf/train.tsv" > two.tsv
	rec-train-agr --epochs 3 --batch 4 --quiet --log plain.log -o plain.st two.tsv
	job 4 rec-train-agr --epochs 3 --batch 4 --quiet --log job.log -o job.st two.tsv
	run -0 same_losses plain.log job.log
	assert_output "3 0"
	assert_equal "$(graph job.st)" "$(graph plain.st)"
	# one user's positives
	awk -F'\t' -v OFS='\t' '$1 != 1 { $3 = 1 } 1' "$mf/train.tsv" > one.tsv
	rec-train-agr --loss bpr --epochs 3 --quiet --log plain.log -o plain.st one.tsv
	job 4 rec-train-agr --loss bpr --epochs 3 --quiet --log job.log -o job.st one.tsv
	run -0 same_losses plain.log job.log
	assert_output "3 0"
}

@test "--valid --refit: 1 rank the plain bytes, 2 and 4 the plain program's epochs" {
	for loss in mse bpr; do
		args="--loss $loss --epochs 6 --patience 2 --valid $mf/valid.tsv --refit --quiet"
		rec-train-agr $args --log plain.log -o plain.st "$mf/train.tsv"
		job 1 rec-train-agr $args --log job.log -o job.st "$mf/train.tsv"
		cmp plain.st job.st
		for n in 2 4; do
			job $n rec-train-agr $args --log job.log -o job.st "$mf/train.tsv"
			run -0 same_losses plain.log job.log
			assert_output "$(( $(wc -l < plain.log) - 1 )) 0"
		done
	done
}

@test "ml-latest-small: 2 and 4 ranks within 0.002 test RMSE of 1 rank" {
	skip_sanitized
	study_split
	# 8 epochs: about the best of rec-train-agr --valid on this split
	rec-train-agr --epochs 8 --seed 1 --quiet -o plain.st seen.tsv
	one=$(rmse plain.st test.tsv)
	for n in 2 4; do
		run -0 job $n rec-train-agr --epochs 8 --seed 1 --quiet -o job.st seen.tsv
		run -0 awk -v a="$one" -v b="$(rmse job.st test.tsv)" \
			'BEGIN { d = a - b; if (d < 0) d = -d; print (d <= 0.002 && b > 0.8 && b < 0.95) ? "ok" : a " " b }'
		assert_output ok
	done
}

@test "bad input on one rank: the plain message, once, exit 1; bad usage: 2" {
	{ cat "$mf/train.tsv"; printf '7\t3\tfour\t5\n'; } > bad.tsv
	run -1 --separate-stderr rec-train-agr -o m.st bad.tsv
	want=$stderr
	assert_equal "$want" "rec-train-agr: bad.tsv:$(wc -l < bad.tsv): rating 'four' is not a number"
	mkdir out
	run -1 --separate-stderr job 4 rec-train-agr -o out/m.st bad.tsv
	assert_equal "$stderr" "$want"
	run ls -A out
	assert_output ''
	# no positives in the job: every rank knows, rank 0 says
	awk -F'\t' -v OFS='\t' '{ $3 = 1 } 1' "$mf/train.tsv" > none.tsv
	run -1 --separate-stderr job 4 rec-train-agr --loss bpr -o out/m.st none.tsv
	assert_equal "$stderr" "rec-train-agr: no positives (ratings of at least 3.5 stars) to train on"
	run ls -A out
	assert_output ''
	# a graph file is one process's
	rec-graph -o g.st "$mf/train.tsv"
	run -2 --separate-stderr job 2 rec-train-agr --graph g.st -o out/m.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-agr: --graph does not run as a job of 2 processes: each builds the graph of its part of the ratings"
	run ls -A out
	assert_output ''
}
