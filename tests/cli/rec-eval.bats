#!/usr/bin/env bats
# rec-eval: every metric on a hand-computed case, the table forms, input
# validation, output faults.
#
# The fixtures (tests/fixtures/eval), threshold 3.5:
#   train    users 1-4; items 10 (rated by 4 users), 20 (2), 30, 40, 50,
#            60 (1 each); 10 ratings
#   test     user 1: 30 4.5, 40 2, 50 4;  user 2: 20 4, 40 5;
#            user 3: 30 1, 50 2;  user 5: 10 4
#   preds    the test lines plus predictions 4.2 3.8 3.0 | 5.6 4.0 |
#            3.5 0.2 | 3.9
#   top      user 1: 50 40 30;  user 2: 20 50 10;  user 3: 50 30 20;
#            user 4: 30 20 40
#   movies   10 Action|Comedy, 20 Comedy, 30 Drama, 40 Action|Drama,
#            50 (no genres listed), 60 Comedy|Drama
#
# By hand, with -k 3:
#   RMSE: clipped errors -0.3 1.8 -1 | 1 -1 | 2.5 -1.5 | -0.1 (5.6 -> 5,
#     0.2 -> 0.5): sqrt(14.84 / 8) = 1.361984; MAE 9.2 / 8 = 1.15
#   rated: user 1 ranks 30 40 50, relevant {30, 50}, recommended {30, 40}:
#     P 1/2, R 1/2; user 2: P 1, R 1; user 3: nothing relevant, 30
#     recommended: P 0, R 0; user 5: P 1, R 1.  Means 0.625, 0.625; F1 0.625
#   ranking: relevant user 1 {30, 50}, user 2 {20, 40}, user 5 {10} (no
#     list: zeros); user 3 has none (skipped).
#     user 1: hits at ranks 1, 3: P 2/3, R 1, NDCG 1.5 / (1 + 1/log2 3)
#     = 0.919721, hit 1, RR 1; user 2: hit at rank 1: P 1/3, R 1/2, NDCG
#     1 / 1.630930 = 0.613147, hit 1, RR 1.  Means over 3 users:
#     P 0.333333, R 0.5, NDCG 0.510956, hit 0.666667, MRR 0.666667
#   beyond: 12 recommendations; counts 10:1 20:3 30:3 40:2 50:3 60:0;
#     coverage 5/6; novelty (-log2 of 4/4, 2/4, 1/4...) (6 + 3 + 5 + 5) / 12
#     = 1.583333; diversity (0.5 + 0.5 + 1 + 2.5/3) / 4 = 0.708333;
#     Gini 22/72 = 0.305556; short head {10, 20, 30, 40} (8 of 10
#     ratings), long tail 3 of 12 (the three 50s) = 0.25
bats_require_minimum_version 1.5.0
load helpers

ev="$fixtures/eval"

all() {
	rec-eval -p "$ev/preds.tsv" -r "$ev/top.tsv" --test "$ev/test.tsv" \
		--train "$ev/train.tsv" --movies "$ev/movies.csv" "$@"
}

# Assert that rec-eval "$@" fails (1) with exactly "rec-eval: $msg".
fails_with() {
	local msg=$1
	shift
	run -1 --separate-stderr rec-eval "$@"
	assert_equal "$stderr" "rec-eval: $msg"
	assert_equal "$output" ""
}

@test "--help and --version" {
	run -0 rec-eval --help
	assert_line --index 0 --partial 'usage: rec-eval'
	assert_output --partial '--threshold T'
	run -0 rec-eval --version
	assert_output 'rec-eval (recpipe) 0.1.0'
}

@test "bad usage exits 2 with the usage" {
	run -2 --separate-stderr rec-eval --nope
	assert_equal "${stderr_lines[-1]}" "Try 'rec-eval --help' for more information."
	run -2 --separate-stderr rec-eval -r "$ev/top.tsv"
	assert_equal "${stderr_lines[0]}" "rec-eval: -r needs --test FILE (the truth for the lists)"
	run -2 --separate-stderr rec-eval -k 0 -p "$ev/preds.tsv"
	assert_equal "${stderr_lines[0]}" "rec-eval: -k '0' is not an integer in [1, 10000]"
	run -2 rec-eval --threshold x -p "$ev/preds.tsv"
	run -2 rec-eval --threshold 6 -p "$ev/preds.tsv"
	run -2 --separate-stderr rec-eval --wide -p "$ev/preds.tsv"
	assert_equal "${stderr_lines[0]}" "rec-eval: --wide needs --name NAME"
	run -2 rec-eval --name x -p "$ev/preds.tsv"
	run -2 rec-eval --header -p "$ev/preds.tsv"
	run -2 rec-eval --wide --name x --per-user -p "$ev/preds.tsv"
	run -2 rec-eval --wide --name "$(printf 'a\tb')" -p "$ev/preds.tsv"
	run -2 rec-eval "$ev/preds.tsv"
	run -2 --separate-stderr rec-eval -p - -r - --test "$ev/test.tsv"
	assert_equal "${stderr_lines[0]}" "rec-eval: only one input can be standard input"
}

@test "every metric on the hand-computed case" {
	run -0 --separate-stderr all -k 3
	assert_output "$(printf '%s\n' \
		$'metric\tvalue' \
		$'rmse\t1.361984' \
		$'mae\t1.150000' \
		$'rated_precision@3\t0.625000' \
		$'rated_recall@3\t0.625000' \
		$'rated_f1@3\t0.625000' \
		$'precision@3\t0.333333' \
		$'recall@3\t0.500000' \
		$'ndcg@3\t0.510956' \
		$'hit@3\t0.666667' \
		$'mrr@3\t0.666667' \
		$'coverage@3\t0.833333' \
		$'novelty@3\t1.583333' \
		$'diversity@3\t0.708333' \
		$'gini@3\t0.305556' \
		$'longtail@3\t0.250000')"
	assert_equal "$stderr" "rec-eval: 1 of 3 test users with relevant items have no list (counted as zeros)"
}

@test "K larger than the lists: precision divides by K, the rest holds" {
	# user 1: 2 hits / 10, user 2: 1 / 10, user 5: 0: mean 0.1.
	run -0 --separate-stderr rec-eval -r "$ev/top.tsv" --test "$ev/test.tsv"
	assert_output "$(printf '%s\n' $'metric\tvalue' $'precision@10\t0.100000' \
		$'recall@10\t0.500000' $'ndcg@10\t0.510956' $'hit@10\t0.666667' \
		$'mrr@10\t0.666667')"
}

@test "rated-items recall counts every relevant test item, not only the top K" {
	# -k 1: user 1 top {30}: P 1, R 1/2; user 2 top {20}: P 1, R 1/2;
	# user 3 top {30}, not relevant: P 0, R 0; user 5: P 1, R 1.
	# P 0.75, R 0.5, F1 2 * 0.75 * 0.5 / 1.25 = 0.6
	run -0 rec-eval -k 1 < "$ev/preds.tsv"
	assert_output "$(printf '%s\n' $'metric\tvalue' $'rmse\t1.361984' \
		$'mae\t1.150000' $'rated_precision@1\t0.750000' \
		$'rated_recall@1\t0.500000' $'rated_f1@1\t0.600000')"
	# The same from -p -, and with --threshold 4.5 only 30 (4.5) and
	# 40 (5) are relevant.
	run -0 rec-eval -p - --threshold 4.5 -k 1 < "$ev/preds.tsv"
	assert_line --index 3 $'rated_precision@1\t0.000000'
}

@test "--wide, --name and --header make rows that cat into one table" {
	# Every prediction 3.5: errors -1 1.5 -0.5 | -0.5 -1.5 | 2.5 1.5 | -0.5:
	# RMSE sqrt(14.75 / 8) = 1.357848, MAE 9.5 / 8 = 1.1875.  All tie, all
	# are recommended: P 2/3, 1, 0, 1 -> 0.666667; R 1, 1, 0, 1 -> 0.75;
	# F1 2 * (2/3) * 0.75 / (2/3 + 0.75) = 0.705882.
	{
		rec-eval --wide --name mf --header -p "$ev/preds.tsv"
		rec-eval --wide --name "global mean" < <(awk -F'\t' -v OFS='\t' '{ $5 = 3.5; print }' "$ev/preds.tsv")
	} > table.tsv
	run cat table.tsv
	assert_output "$(printf '%s\n' \
		$'name\trmse\tmae\trated_precision@10\trated_recall@10\trated_f1@10' \
		$'mf\t1.361984\t1.150000\t0.625000\t0.625000\t0.625000' \
		$'global mean\t1.357848\t1.187500\t0.666667\t0.750000\t0.705882')"
}

@test "--per-user prints one row a user" {
	run -0 --separate-stderr all -k 3 --per-user
	assert_output "$(printf '%s\n' \
		$'user\tn_pred\trmse\tmae\trated_precision@3\trated_recall@3\trated_f1@3\tn_rel\tprecision@3\trecall@3\tndcg@3\thit@3\tmrr@3\tnovelty@3\tdiversity@3' \
		$'1\t3\t1.201388\t1.033333\t0.500000\t0.500000\t0.500000\t2\t0.666667\t1.000000\t0.919721\t1.000000\t1.000000\t2.000000\t0.500000' \
		$'2\t2\t1.000000\t1.000000\t1.000000\t1.000000\t1.000000\t2\t0.333333\t0.500000\t0.613147\t1.000000\t1.000000\t1.000000\t0.500000' \
		$'3\t2\t2.061553\t2.000000\t0.000000\t0.000000\t0.000000\t0\t-\t-\t-\t-\t-\t1.666667\t1.000000' \
		$'4\t0\t-\t-\t-\t-\t-\t0\t-\t-\t-\t-\t-\t1.666667\t0.833333' \
		$'5\t1\t0.100000\t0.100000\t1.000000\t1.000000\t1.000000\t1\t0.000000\t0.000000\t0.000000\t0.000000\t0.000000\t-\t-')"
	# The per-user means are the averages of the summary table.
	run -0 bash -c "rec-eval -p '$ev/preds.tsv' --per-user | awk -F'\t' 'NR > 1 { p += \$5; n++ } END { printf \"%.6f\n\", p / n }'"
	assert_output '0.625000'
}

@test "items outside train and movies.csv are counted on stderr" {
	printf '4\t1\t99\t1\n' > top.tsv
	run -0 --separate-stderr rec-eval -r top.tsv --test "$ev/test.tsv" --train "$ev/train.tsv" --movies "$ev/movies.csv"
	assert_line --index 6 $'coverage@10\t0.000000'
	# 99 is unseen: p = 1/(4 + 1), novelty log2 5; a one-item list has no pair.
	assert_line --index 7 $'novelty@10\t2.321928'
	assert_line --index 8 $'diversity@10\tnan'
	assert_line --index 9 $'gini@10\tnan'
	assert_line --index 10 $'longtail@10\t1.000000'
	assert_equal "${stderr_lines[1]}" "rec-eval: recommended items not in $ev/train.tsv: 1 of 1"
	assert_equal "${stderr_lines[2]}" "rec-eval: recommended items not in $ev/movies.csv: 1 of 1"
}

@test "an empty list file scores zeros" {
	run -0 --separate-stderr rec-eval -r /dev/null --test "$ev/test.tsv"
	assert_line --index 1 $'precision@10\t0.000000'
	assert_equal "$stderr" "rec-eval: 3 of 3 test users with relevant items have no list (counted as zeros)"
}

@test "bad top-K lists name the file and line" {
	printf '1\t1\t50\t0.9\n1\t3\t40\t0.8\n' > t.tsv
	fails_with "t.tsv:2: rank 3 after rank 1 in user 1's list (ranks go 1, 2, 3, ...)" -r t.tsv --test "$ev/test.tsv"
	printf '1\t2\t50\t0.9\n' > t.tsv
	fails_with "t.tsv:1: user 1's list starts at rank 2, not 1" -r t.tsv --test "$ev/test.tsv"
	printf '1\t0\t50\t0.9\n' > t.tsv
	fails_with "t.tsv:1: rank '0' is not a positive integer" -r t.tsv --test "$ev/test.tsv"
	printf '1\t1\t50\t0.9\n1\t2\t40\t0.8\n1\t3\t50\t0.7\n' > t.tsv
	fails_with "t.tsv:3: item 50 appears twice in user 1's list (first at rank 1)" -r t.tsv --test "$ev/test.tsv"
	# a repeat right after the item's first appearance (the item new to
	# the stream), and in a later list
	printf '1\t1\t50\t0.9\n1\t2\t50\t0.9\n1\t3\t50\t0.9\n' > t.tsv
	fails_with "t.tsv:2: item 50 appears twice in user 1's list (first at rank 1)" -r t.tsv --test "$ev/test.tsv"
	printf '2\t1\t40\t0.9\n1\t1\t50\t0.9\n1\t2\t50\t0.9\n' > t.tsv
	fails_with "t.tsv:3: item 50 appears twice in user 1's list (first at rank 1)" -r t.tsv --test "$ev/test.tsv"
	printf '1\t1\t50\t0.9\n2\t1\t50\t0.9\n1\t1\t40\t0.8\n' > t.tsv
	fails_with "t.tsv:3: a second list for user 1 (the first starts on line 1)" -r t.tsv --test "$ev/test.tsv"
	printf '1\t1\t50\t0.9\n1\t1\t40\t0.8\n' > t.tsv
	fails_with "t.tsv:2: a second list for user 1 (the first starts on line 1)" -r t.tsv --test "$ev/test.tsv"
	printf '1\t1\t50\n' > t.tsv
	fails_with "t.tsv:1: expected 4 TAB-separated fields (user rank item score), got 3" -r t.tsv --test "$ev/test.tsv"
	printf '1\t1\t50\t0.9\t1\n' > t.tsv
	fails_with "t.tsv:1: expected 4 TAB-separated fields (user rank item score), got more" -r t.tsv --test "$ev/test.tsv"
	printf '1\t1\tx\t0.9\n' > t.tsv
	fails_with "t.tsv:1: item 'x' is not a non-negative integer" -r t.tsv --test "$ev/test.tsv"
	printf '1\t1\t50\tnan\n' > t.tsv
	fails_with "t.tsv:1: score 'nan' is not a number" -r t.tsv --test "$ev/test.tsv"
	printf '1\t1\t50\t\n' > t.tsv
	fails_with "t.tsv:1: empty field 4" -r t.tsv --test "$ev/test.tsv"
}

@test "bad predictions name the file and line" {
	printf '1\t10\t4\t1\t3.5\n1\t10\t4\t1\n' > p.tsv
	fails_with "p.tsv:2: expected 5 TAB-separated fields (user item rating timestamp prediction), got 4" -p p.tsv
	printf '1\t10\t4\t1\tx\n' > p.tsv
	fails_with "p.tsv:1: prediction 'x' is not a number" -p p.tsv
	printf '1\t10\t9\t1\t3\n' > p.tsv
	fails_with "p.tsv:1: rating 9 out of range [0.5, 5]" -p p.tsv
	printf '1\t10\t4\t1\t3\n2\t10\t4\t1\t3\n\n' > p.tsv
	fails_with "p.tsv:3: empty line" -p p.tsv
	printf '1\t10\t4\t1\t3\n2\t10\t4\t1\t3\n1\t10\t5\t2\t3\n' > p.tsv
	fails_with "p.tsv:3: a second prediction for user 1, item 10 (first on line 1)" -p p.tsv
	: > p.tsv
	fails_with "p.tsv: empty input" -p p.tsv
	fails_with "<stdin>: empty input" < /dev/null
	fails_with "nope.tsv: No such file or directory" -p nope.tsv
	# The truth files are ratings streams.
	fails_with "$ev/preds.tsv:1: expected 4 TAB-separated fields, got more" -r "$ev/top.tsv" --test "$ev/preds.tsv"
	# a rating given twice, even with two ratings, as every program refuses it
	printf '1\t10\t1\t5\n2\t10\t4\t5\n1\t10\t5\t6\n' > t.tsv
	fails_with "t.tsv:3: duplicate rating for user 1, item 10 (first on line 1)" -r "$ev/top.tsv" --test t.tsv
	fails_with "t.tsv:3: duplicate rating for user 1, item 10 (first on line 1)" -r "$ev/top.tsv" --test "$ev/test.tsv" --train t.tsv
	printf 'movieId,title\n' > m.csv
	fails_with "m.csv:1: header is 'movieId,title', expected 'movieId,title,genres'" -r "$ev/top.tsv" --test "$ev/test.tsv" --movies m.csv
}

@test "negative and large predictions are clipped, not refused" {
	printf '1\t10\t0.5\t1\t-2e3\n1\t20\t5\t1\t1e9\n' > p.tsv
	run -0 rec-eval -p p.tsv
	assert_line --index 1 $'rmse\t0.000000'
}

@test "-o writes atomically; output faults are errors" {
	all -k 3 -o out.tsv 2> /dev/null
	run -0 --separate-stderr all -k 3
	assert_equal "$(cat out.tsv)" "$output"
	run -1 --separate-stderr bash -c 'rec-eval -p "$1" > /dev/full' _ "$ev/preds.tsv"
	assert_equal "$stderr" 'rec-eval: <stdout>: No space left on device'
	run -1 bash -c 'rec-eval --help > /dev/full'
	run -1 --separate-stderr bash -c 'rec-eval -p "$1" >&-' _ "$ev/preds.tsv"
	assert_equal "$stderr" 'rec-eval: standard output is closed'
	# A failure leaves no output file behind.
	printf '1\t10\t4\t1\tx\n' > p.tsv
	run -1 rec-eval -p p.tsv -o new.tsv
	[ ! -e new.tsv ]
	[ -z "$(ls -A | grep '^\.')" ]
}

@test "--movies: ml-100k u.item and ml-1m movies.dat give what the same movies.csv gives" {
	# tests/fixtures/movies: the same 20 movies in three files.  User 1's
	# list: 101 {Animation, Children's, Comedy}, 119 (u.item's "unknown":
	# no genre, no pairs), 108 {Children's, Comedy, Drama}: 1 - 2/4 = 0.5.
	# User 2's: 109 {Drama, Musical}, 120 {Adventure, Fantasy, Sci-Fi},
	# 107 {Drama, Sci-Fi}: (1 + 2/3 + 3/4) / 3.  Mean 0.652778.
	local mv="$fixtures/movies"
	printf '1\t1\t101\t4.5\n1\t2\t119\t4.4\n1\t3\t108\t4.3\n2\t1\t109\t4.2\n2\t2\t120\t4.1\n2\t3\t107\t4\n' > top.tsv
	for f in equivalent.csv u.item movies.dat; do
		rec-eval -r top.tsv --test "$fixtures/mf/test.tsv" --movies "$mv/$f" -k 3 \
			--per-user > "$f.out" 2> /dev/null
		rec-eval -r top.tsv --test "$fixtures/mf/test.tsv" --movies "$mv/$f" -k 3 \
			>> "$f.out" 2> /dev/null
	done
	cmp equivalent.csv.out u.item.out
	cmp equivalent.csv.out movies.dat.out
	run -0 tail -1 u.item.out
	assert_output $'diversity@3\t0.652778'
	printf '1|A|||x|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n2|B|||x|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|yes\n' > u.item
	fails_with "u.item:2: genre flag Western (field 24) is 'yes', expected 0 or 1" \
		-r top.tsv --test "$fixtures/mf/test.tsv" --movies u.item
}

@test "the MovieLens movies.csv and the movies fixture are read" {
	run -0 --separate-stderr rec-eval -r "$ev/top.tsv" --test "$ev/test.tsv" --movies "$fixtures/movies/movies.csv" -k 3
	# None of 10..60 is in the fixture: no genres, no pairs.
	assert_line --index 6 $'diversity@3\tnan'
	[ -e "$movielens/movies.csv" ] || skip "no $movielens"
	run -0 --separate-stderr rec-eval -r "$ev/top.tsv" --test "$ev/test.tsv" --movies "$movielens/movies.csv" -k 3
	assert_line --index 6 --regexp $'^diversity@3\t0\\.[0-9]{6}$'
}
