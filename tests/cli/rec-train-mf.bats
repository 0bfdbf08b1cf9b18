#!/usr/bin/env bats
# rec-train-mf: training, options, reproducibility, logs, errors.
bats_require_minimum_version 1.5.0
load helpers

mf="$BATS_TEST_DIRNAME/../fixtures/mf"

@test "--help and --version" {
	run -0 rec-train-mf --help
	assert_line --index 0 --partial 'usage: rec-train-mf'
	assert_output --partial '--refit'
	run -0 rec-train-mf --version
	assert_output 'rec-train-mf (recpipe) 0.1.0'
}

@test "bad usage exits 2" {
	for bad in '--epochs 0' '--epochs x' '--lr nan' '--lr -1' '--dim 1e9' \
	           '--dropout 1' '--optimizer lbfgs' '--refit' '--nope'; do
		run -2 rec-train-mf $bad -o m.st "$mf/train.tsv"
		assert [ ! -e m.st ]
	done
	run -2 --separate-stderr rec-train-mf --epochs 0 -o m.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-mf: --epochs '0' is not an integer in [1, 100000]"
	assert_equal "${stderr_lines[-1]}" "Try 'rec-train-mf --help' for more information."
}

@test "trains a model file that rec-info and a plain Python reader read" {
	run -0 --separate-stderr rec-train-mf --dim 8 --epochs 3 -o m.st "$mf/train.tsv"
	assert_equal "${#stderr_lines[@]}" 3
	assert_regex "${stderr_lines[2]}" '^rec-train-mf: fit epoch 3/3 loss [0-9.]+ \([0-9.]+ s\)$'
	run -0 rec-info m.st
	assert_line "$(printf 'meta\tmodel\tmf')"
	assert_line "$(printf 'meta\tk\t8')"
	assert_line "$(printf 'meta\tepochs\t3')"
	assert_line "$(printf 'tensor\tuser_ids\tI64\t30\t240')"
	assert_line "$(printf 'tensor\tP\tF32\t30x8\t960')"
	assert_line "$(printf 'tensor\tQ\tF32\t20x8\t640')"
	assert_line "$(printf 'tensor\tglobal_bias\tF32\tscalar\t4')"
	run -0 python3 "$fixtures/st/make-fixtures.py" --read m.st
	assert_line "$(printf 'tensor\tP\tF32\t30x8\t960')"
}

@test "same seed, same bytes; another seed, another model" {
	rec-train-mf -q --epochs 4 --seed 5 -o a.st "$mf/train.tsv"
	rec-train-mf -q --epochs 4 --seed 5 -o b.st < "$mf/train.tsv"
	cmp a.st b.st
	rec-train-mf -q --epochs 4 --seed 6 -o c.st "$mf/train.tsv"
	! cmp -s a.st c.st
}

@test "per-rating SGD on threads: learns, same bytes for the same threads, usage errors" {
	sgd='--optimizer sgd --batch 1 --dropout 0 --lr 0.05 --dim 4 --epochs 30'
	for n in 1 2 3; do
		rec-train-mf -q $sgd --threads $n -o a$n.st "$mf/train.tsv"
		rec-train-mf -q $sgd --threads $n -o b$n.st "$mf/train.tsv"
		cmp a$n.st b$n.st
		# better than the training mean on held-out ratings
		rec-score -m a$n.st "$mf/test.tsv" > p.tsv
		run -0 awk -F'\t' 'NR == FNR { s += $3; c++; next }
			{ m = s / c; e += ($5 - $3) ^ 2; b += (m - $3) ^ 2 }
			END { print (e < b) ? "better" : "worse" }' "$mf/train.tsv" p.tsv
		assert_output better
	done
	! cmp -s a1.st a2.st
	run -2 --separate-stderr rec-train-mf --optimizer sgd --batch 1 --dropout 0.2 -o m.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-mf: per-rating SGD (--optimizer sgd --batch 1) has no dropout: leave out --dropout or give 0"
	run -2 --separate-stderr rec-train-mf --threads 2 -o m.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-mf: --threads needs per-rating SGD (--optimizer sgd --batch 1)"
	run -2 rec-train-mf $sgd --threads 0 -o m.st "$mf/train.tsv"
	run -2 rec-train-mf $sgd --threads 65 -o m.st "$mf/train.tsv"
	assert [ ! -e m.st ]
}

# meta KEY FILE - the value of a model file's metadata KEY, or nothing
meta() {
	rec-info "$2" | awk -F'\t' -v k="$1" '$1 == "meta" && $2 == k { print $3 }'
}

@test "per-rating SGD has defaults of its own: applied unless given, in --help and the file" {
	rec-train-mf -q --optimizer sgd --batch 1 --dim 4 --epochs 2 -o a.st "$mf/train.tsv"
	assert_equal "$(meta lr a.st) $(meta reg a.st) $(meta dropout a.st) $(meta lr_decay a.st)" \
		"1 0.004 0 0.85"
	rec-train-mf -q --optimizer sgd --batch 1 --dim 4 --epochs 2 --lr 0.1 --lr-decay 0.5 \
		-o b.st "$mf/train.tsv"
	assert_equal "$(meta lr b.st) $(meta reg b.st) $(meta lr_decay b.st)" "0.1 0.004 0.5"
	# Adam's defaults are as they were, and its file has no lr_decay
	rec-train-mf -q --dim 4 --epochs 2 -o c.st "$mf/train.tsv"
	assert_equal "$(meta lr c.st) $(meta reg c.st) $(meta dropout c.st) $(meta lr_decay c.st)" \
		"0.001 0.003 0.5 "
	run -0 rec-train-mf --help
	assert_line --partial '--lr R           learning rate (0.001; per-rating SGD: 1)'
	assert_line --partial 'D times the epoch'"'"'s before (1; per-rating SGD: 0.85)'
	run -2 --separate-stderr rec-train-mf --lr-decay 0.5 -o m.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-mf: --lr-decay needs per-rating SGD (--optimizer sgd --batch 1)"
	run -2 rec-train-mf --optimizer sgd --batch 1 --lr-decay 0 -o m.st "$mf/train.tsv"
	run -2 rec-train-mf --optimizer sgd --batch 1 --lr-decay 1.5 -o m.st "$mf/train.tsv"
}

@test "--lr-decay 1 is a constant learning rate, saved as files before it were" {
	sgd='--optimizer sgd --batch 1 --dim 4 --epochs 3 --lr 0.05 --reg 0.01'
	rec-train-mf -q $sgd --lr-decay 1 -o a.st "$mf/train.tsv"
	assert_equal "$(meta lr_decay a.st)" ""
	run -0 rec-score -m a.st "$mf/test.tsv"
	# a falling learning rate is another model
	rec-train-mf -q $sgd --lr-decay 0.5 -o b.st "$mf/train.tsv"
	! cmp -s a.st b.st
}

@test "per-rating SGD: at most 18 bytes of memory a rating" {
	# The ratings' table takes 12 bytes a rating (its times are not
	# kept), and the grid's cells as many, but the grid takes the table's
	# rows as it is built, so the two are never held at once; the check
	# for repeated ratings groups a quarter of the rows at a time (1 byte
	# a rating); the cells' pages are small ones until written.  Measured
	# as the growth from 200,000 to 800,000 ratings (20,000 users, 5,000
	# items), so that what does not grow with them is left out: 36 bytes
	# with the times and both held, 28 without the times, 20 with the
	# cells' huge pages.
	[ -z "${REC_SANITIZED:-}" ] || skip "a sanitizer's memory is not the program's"
	for n in 200000 800000; do
		awk -v n=$n 'BEGIN { for (j = 0; j < n; j++)
			printf "%d\t%d\t%.1f\t%d\n", j % 20000,
			       (int(j / 20000) * 131 + j % 20000) % 5000,
			       0.5 + (j * 7 % 10) / 2, 1000000000 + j }' > r$n.tsv
		/usr/bin/time -f %M -o rss$n rec-train-mf -q --optimizer sgd --batch 1 \
			--epochs 1 -o m.st r$n.tsv
	done
	per=$(awk -v a="$(cat rss200000)" -v b="$(cat rss800000)" \
		'BEGIN { printf "%.0f", (b - a) * 1024 / 600000 }')
	echo "$per bytes a rating"
	assert [ "$per" -le 18 ]
}

@test "--valid, --patience, --log and --refit" {
	run -0 --separate-stderr rec-train-mf --lr 0.05 --epochs 300 --patience 3 \
		--valid "$mf/valid.tsv" --log log.tsv -o m.st "$mf/train.tsv"
	assert_equal "$(head -1 log.tsv)" "$(printf 'phase\tepoch\tloss\tvalid_rmse\tvalid_precision@10\tvalid_recall@10\tvalid_f1@10\tvalid_ndcg@10\tseconds')"
	# F1 is the harmonic mean of the logged precision and recall
	run -0 awk -F'\t' 'NR > 1 { p = $5; r = $6; f = p + r ? 2 * p * r / (p + r) : 0
		if ((f - $7) ^ 2 > 1e-10) bad++ } END { print bad + 0 }' log.tsv
	assert_output 0
	ran=$(($(wc -l < log.tsv) - 1))
	[ "$ran" -lt 300 ]
	best=$(rec-info m.st | awk '$2 == "epochs" { print $3 }')
	assert_equal "$best" "$((ran - 3))"
	# the kept epoch has the lowest validation RMSE of the log
	assert_equal "$(awk 'NR > 1 { print $2, $4 }' log.tsv | sort -k2,2g -k1,1n | head -1 | cut -d' ' -f1)" "$best"
	assert_equal "${stderr_lines[-1]%,*}" "rec-train-mf: best epoch $best"
	run -0 rec-train-mf -q --lr 0.05 --epochs 300 --patience 3 --refit \
		--valid "$mf/valid.tsv" --log log2.tsv -o r.st "$mf/train.tsv"
	assert_equal "$(grep -c '^refit' log2.tsv)" "$best"
	assert_equal "$(rec-info r.st | awk '$2 == "refit" { print $3 }')" 1
	# the refitted model knows the validation set's users and items too
	assert_equal "$(rec-info r.st | awk '$2 == "user_ids" { print $4 }')" 30
}

@test "--dim 0 is a bias-only model" {
	rec-train-mf -q --dim 0 --epochs 2 -o m.st "$mf/train.tsv"
	run -0 rec-info m.st
	assert_line "$(printf 'tensor\tP\tF32\t30x0\t0')"
	run -0 rec-score -m m.st "$mf/test.tsv"
}

@test "progress: one line an epoch, nothing with --quiet" {
	run -0 --separate-stderr rec-train-mf --epochs 2 -o m.st "$mf/train.tsv"
	assert_equal "${#stderr_lines[@]}" 2
	run -0 --separate-stderr rec-train-mf --quiet --epochs 2 -o m.st "$mf/train.tsv"
	assert_equal "$stderr" ""
}

@test "refuses to write a model to a terminal" {
	command -v script > /dev/null || skip "no script(1)"
	run script -qec "rec-train-mf --epochs 1 $mf/train.tsv" /dev/null
	assert_equal "$status" 2
	assert_output --partial "refusing to write binary data to a terminal; use -o FILE"
}

@test "bad input: empty, duplicates, CSV, missing file; nothing written" {
	run -1 --separate-stderr bash -c 'rec-train-mf -o m.st < /dev/null'
	assert_equal "$stderr" "rec-train-mf: <stdin>: empty input"
	printf '1\t2\t3\t4\n1\t2\t4\t5\n' > d.tsv
	run -1 --separate-stderr rec-train-mf -o m.st d.tsv
	assert_equal "$stderr" "rec-train-mf: d.tsv:2: duplicate rating for user 1, item 2 (first on line 1)"
	run -1 --separate-stderr rec-train-mf -o m.st "$fixtures/ratings/small.csv"
	assert_equal "$stderr" "rec-train-mf: $fixtures/ratings/small.csv:1: expected 4 TAB-separated fields, got 1"
	run -1 --separate-stderr rec-train-mf --valid nope.tsv -o m.st "$mf/train.tsv"
	assert_equal "$stderr" "rec-train-mf: nope.tsv: No such file or directory"
	assert [ ! -e m.st ]
	run ls -A
	refute_output --partial '.m.st.'
}

@test "output faults: full disk, file size limit, SIGTERM keep the old file" {
	run -1 --separate-stderr bash -c "rec-train-mf -q --epochs 1 '$mf/train.tsv' > /dev/full"
	assert_equal "$stderr" "rec-train-mf: <stdout>: No space left on device"
	echo old > m.st
	run -1 --separate-stderr bash -c "ulimit -f 1; trap '' XFSZ; rec-train-mf -q --epochs 1 -o m.st '$mf/train.tsv'"
	assert_equal "$stderr" "rec-train-mf: m.st: File too large"
	assert_equal "$(cat m.st)" old
	# a long run, stopped: the old file stays, the temporary one goes
	rec-train-mf -q --epochs 100000 -o m.st "$mf/train.tsv" &
	pid=$!
	sleep 0.5
	kill -TERM $pid
	rc=0
	wait $pid || rc=$?
	assert_equal "$rc" 143
	assert_equal "$(cat m.st)" old
	run ls -A
	refute_output --partial '.m.st.'
}

@test "--loss bpr: a ranking model, stopped on validation NDCG@10" {
	run -0 --separate-stderr rec-train-mf --loss bpr --dropout 0 --batch 32 \
		--valid "$mf/valid.tsv" --log log.tsv -o b.st "$mf/train.tsv"
	assert_regex "${stderr_lines[-1]}" '^rec-train-mf: best epoch [0-9]+, valid_ndcg@10 0\.[0-9]{5}$'
	# every row has an NDCG and no RMSE; the kept epoch has the best NDCG
	run -0 awk -F'\t' 'NR > 1 && ($4 != "NA" || $8 == "NA") { bad++ } END { print bad + 0 }' log.tsv
	assert_output 0
	best=$(awk -F'\t' 'NR > 1 { print $2, $8 }' log.tsv | sort -k2,2gr -k1,1n | head -1 | cut -d' ' -f1)
	run -0 rec-info b.st
	assert_line "$(printf 'meta\tepochs\t%s' "$best")"
	assert_line "$(printf 'meta\tloss\tbpr')"
	assert_line "$(printf 'meta\tpositive\t3.5')"
	assert_line "$(printf 'meta\tnegatives\t1')"
	# it ranks, and predicts no ratings
	run -2 --separate-stderr rec-score -m b.st "$mf/test.tsv"
	assert_equal "${stderr_lines[0]}" "rec-score: a 'mf' model trained to rank gives no rating predictions: use --top K for its lists"
	run -0 rec-score -m b.st --top 5 --exclude "$mf/train.tsv"
	assert_equal "${#lines[@]}" 150
	# the same seed, the same bytes
	rec-train-mf -q --loss bpr --dropout 0 --batch 32 --epochs 3 -o c.st "$mf/train.tsv"
	rec-train-mf -q --loss bpr --dropout 0 --batch 32 --epochs 3 -o d.st "$mf/train.tsv"
	cmp c.st d.st
}

@test "--loss bpr: usage errors" {
	run -2 --separate-stderr rec-train-mf --loss bpr --optimizer sgd --batch 1 --dropout 0 -o b.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-mf: per-rating SGD trains on ratings: --loss bpr needs minibatches (--batch 2 or more)"
	run -2 --separate-stderr rec-train-mf --negatives 3 -o b.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-mf: --positive and --negatives go with --loss bpr"
	run -2 --separate-stderr rec-train-mf --loss hinge -o b.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-mf: --loss 'hinge' is not mse or bpr"
	awk -F'\t' -v OFS='\t' '{ $3 = 2; print }' "$mf/train.tsv" > low.tsv
	run -1 --separate-stderr rec-train-mf --loss bpr -o b.st low.tsv
	assert_equal "$stderr" "rec-train-mf: no positives (ratings of at least 3.5 stars) to train on"
	assert [ ! -e b.st ]
}
