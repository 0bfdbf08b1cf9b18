#!/usr/bin/env bats
# rec-train-ease: the fit, the model file, lambda picked on validation,
# lists from rec-score (and no rating predictions), new users' lists from
# --history, usage and data errors.
bats_require_minimum_version 1.5.0
load helpers

mf="$BATS_TEST_DIRNAME/../fixtures/mf"

@test "--help and --version" {
	run -0 rec-train-ease --help
	assert_line --index 0 --partial 'usage: rec-train-ease'
	assert_output --partial '--max-items N'
	refute_output --partial '--epochs'
	run -0 rec-train-ease --version
	assert_output 'rec-train-ease (recpipe) 0.1.0'
}

@test "bad usage exits 2, writes nothing" {
	for bad in '--lambda -1' '--positive 6' '--weak 2' '--recency x' \
	           '--max-items -3' '--grid 1,,2' '--refit' '--epochs 3' '--seed 1' \
	           '--patience 2' '--seq-weight -1' '--seq-decay 2' '--seq-lambda 0'; do
		run -2 rec-train-ease $bad -o e.st "$mf/train.tsv"
		assert [ ! -e e.st ]
	done
	run -2 --separate-stderr rec-train-ease --grid 1,2 -o e.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-ease: --grid goes with --valid FILE"
	run -2 --separate-stderr rec-train-ease --lambda 5 --valid "$mf/valid.tsv" -o e.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-ease: --lambda and --valid exclude each other: --valid picks one of --grid"
}

@test "a model file of B, the histories and the hyperparameters; the same bytes again" {
	run -0 rec-train-ease -o e.st "$mf/train.tsv"
	run -0 rec-info e.st
	assert_line "$(printf 'meta\tmodel\tease')"
	assert_line "$(printf 'meta\tlambda\t200')"
	assert_line "$(printf 'meta\tpositive\t3.5')"
	assert_line "$(printf 'meta\tmax_items\t0')"
	# the 20 items of the fixture all have a rating of 3.5 or more
	assert_line "$(printf 'tensor\tB\tF32\t20x20\t1600')"
	assert_line "$(printf 'tensor\thist_start\tI64\t31\t248')"
	run -0 python3 "$fixtures/st/make-fixtures.py" --read e.st
	rec-train-ease -o again.st "$mf/train.tsv"
	cmp e.st again.st
	# --max-items keeps the most rated
	rec-train-ease --max-items 5 -o five.st "$mf/train.tsv"
	run -0 rec-info five.st
	assert_line "$(printf 'tensor\tB\tF32\t5x5\t100')"
}

@test "--valid: every lambda of the grid in the log, the best kept; --refit" {
	run -0 --separate-stderr rec-train-ease --valid "$mf/valid.tsv" --grid 1,10,100 \
		--log log.tsv -o e.st "$mf/train.tsv"
	assert_equal "$(head -1 log.tsv)" "$(printf 'lambda\tvalid_ndcg@10\tseconds')"
	assert_equal "$(wc -l < log.tsv)" 4
	best=$(awk -F'\t' 'NR > 1 && (b == "" || $2 > b) { b = $2; l = $1 } END { print l }' log.tsv)
	run -0 rec-info e.st
	assert_line "$(printf 'meta\tlambda\t%s' "$best")"
	assert_line "$(printf 'meta\trefit\t0')"
	assert_equal "${stderr_lines[-1]}" "rec-train-ease: best lambda $best, valid_ndcg@10 $(awk -F'\t' -v l="$best" '$1 == l { printf "%.5f", $2 }' log.tsv)"
	# the fit of that lambda, whichever place it has in the grid
	rec-train-ease --lambda "$best" -o best.st "$mf/train.tsv"
	cmp e.st best.st
	rec-train-ease -q --valid "$mf/valid.tsv" --grid 100,10,1 -o back.st "$mf/train.tsv"
	cmp e.st back.st
	rec-train-ease -q --valid "$mf/valid.tsv" --grid 1,10,100 --refit -o r.st "$mf/train.tsv"
	run -0 rec-info r.st
	assert_line "$(printf 'meta\trefit\t1')"
	assert_line "$(printf 'meta\tlambda\t%s' "$best")"
}

@test "rec-score: lists with EASE's scores, never a rating" {
	rec-train-ease --lambda 10 -o e.st "$mf/train.tsv"
	run -2 --separate-stderr rec-score -m e.st "$mf/test.tsv"
	assert_equal "${stderr_lines[0]}" "rec-score: a 'ease' model trained to rank gives no rating predictions: use --top K for its lists"
	assert_equal "$output" ""
	run -0 rec-score -m e.st --top 3 --exclude "$mf/train.tsv"
	assert_equal "${#lines[@]}" 90
	# no list holds an item of the user's training ratings
	run -0 bash -c "rec-score -m e.st --top 3 --exclude '$mf/train.tsv' |
		awk -F'\t' 'NR == FNR { seen[\$1 \" \" \$2] = 1; next } seen[\$1 \" \" \$3] { bad++ }
		            END { print bad + 0 }' '$mf/train.tsv' -"
	assert_output 0
	# rec-eval reads the lists
	rec-score -m e.st --top 3 --exclude "$mf/train.tsv" > top.tsv
	run -0 rec-eval -k 3 -r top.tsv --test "$mf/test.tsv" --train "$mf/train.tsv"
	assert_line --partial 'ndcg@3'
	# scored on every thread: the same lists
	for n in 2 3; do
		rec-score -m e.st --top 3 --exclude "$mf/train.tsv" --threads $n > many.tsv
		cmp top.tsv many.tsv
	done
}

@test "--history: lists for users the model never saw, from their ratings" {
	# users 1..5 left out of the fit, then given their ratings
	awk -F'\t' '$1 > 5' "$mf/train.tsv" > part.tsv
	awk -F'\t' '$1 <= 5' "$mf/train.tsv" > hist.tsv
	rec-train-ease --lambda 10 -o e.st part.tsv
	printf '1\n2\n3\n4\n5\n' > users.tsv
	run -0 --separate-stderr rec-score -m e.st --top 3 --history hist.tsv --users users.tsv
	assert_equal "${#lines[@]}" 15
	assert_equal "$stderr" ""
	# without the history they are unknown: the popular items, counted
	run -0 --separate-stderr rec-score -m e.st --top 3 --users users.tsv
	assert_equal "$stderr" "rec-score: 5 unknown users, 0 unknown items (fallback used)"
}

@test "--seq-weight: T in the file, lists that use it, the same from --history" {
	rec-train-ease --lambda 10 -o plain.st "$mf/train.tsv"
	rec-train-ease --lambda 10 --seq-weight 4 --seq-decay 0.5 --seq-lambda 2 \
		-o seq.st "$mf/train.tsv"
	run -0 rec-info seq.st
	assert_line "$(printf 'meta\tseq_weight\t4')"
	assert_line "$(printf 'meta\tseq_decay\t0.5')"
	assert_line "$(printf 'meta\tseq_lambda\t2')"
	assert_line "$(printf 'tensor\tT\tF32\t20x20\t1600')"
	run -0 rec-info plain.st
	refute_output --partial 'seq_'
	refute_line --partial "$(printf 'tensor\tT\t')"
	run -0 python3 "$fixtures/st/make-fixtures.py" --read seq.st
	rec-score -m plain.st --top 5 --exclude "$mf/train.tsv" -o plain.top
	rec-score -m seq.st --top 5 --exclude "$mf/train.tsv" -o seq.top
	assert_equal "$(wc -l < seq.top)" 150
	run ! cmp -s plain.top seq.top
	# the users' own ratings as --history: the same lists, T included
	printf '1\n2\n3\n4\n5\n' > users.tsv
	rec-score -m seq.st --top 5 --exclude "$mf/train.tsv" --users users.tsv -o own.top
	rec-score -m seq.st --top 5 --exclude "$mf/train.tsv" --users users.tsv \
		--history "$mf/train.tsv" -o hist.top
	cmp own.top hist.top
	# users the fit never saw get lists from their ratings
	awk -F'\t' '$1 > 5' "$mf/train.tsv" > part.tsv
	awk -F'\t' '$1 <= 5' "$mf/train.tsv" > hist.tsv
	rec-train-ease --lambda 10 --seq-weight 4 -o part.st part.tsv
	run -0 --separate-stderr rec-score -m part.st --top 3 --history hist.tsv --users users.tsv
	assert_equal "${#lines[@]}" 15
	assert_equal "$stderr" ""
}

@test "bad data: no interactions, a repeated rating; nothing written" {
	awk -F'\t' -v OFS='\t' '{ $3 = 2; print }' "$mf/train.tsv" > low.tsv
	run -1 --separate-stderr rec-train-ease -o e.st low.tsv
	assert_equal "$stderr" "rec-train-ease: no interactions (ratings of at least 3.5 stars)"
	assert [ ! -e e.st ]
	# --positive 0: every rating is an interaction
	run -0 rec-train-ease --positive 0 -o e.st low.tsv
	printf '1\t101\t4\t5\n1\t101\t5\t6\n' > dup.tsv
	run -1 --separate-stderr rec-train-ease -o d.st dup.tsv
	assert_equal "$stderr" "rec-train-ease: dup.tsv:2: duplicate rating for user 1, item 101 (first on line 1)"
	assert [ ! -e d.st ]
}
