#!/usr/bin/env bats
# rec-genres: every table on a hand-computed case, input validation,
# usage, output faults; on ml-latest-small, the catalogue against awk.
#
# The fixtures (tests/fixtures/genres):
#   movies   1 "Alpha, The (1990)" Drama|Comedy, 2 Comedy,
#            3 Action|Drama|Sci-Fi, 4 (no genres listed), 5 Horror, 6 Drama
#   top      user 7: 3 2;  user 8: 1 4;  user 9: 3 5  (scores 4.5 4.1 |
#            4.9 3.2 | 4 3.9)
#   hist     user 7: 1 (5 stars), 6 (4), 5 (2);  user 8: 2 (4.5), 3 (3)
#
# By hand:
#   catalogue  labels Drama 3, Comedy 2, Action 1, Horror 1, Sci-Fi 1: 8
#              labels of 6 movies (movie 4 has none)
#   lists      Drama 3 (3, 1, 3), Comedy 2 (2, 1), Action 2, Sci-Fi 2
#              (3 twice), Horror 1 (5): 10 labels; movie 4 adds none
#   history    all rows: Drama 3, Comedy 2, Action, Horror, Sci-Fi 1 each
#              (8); rated >= 4 (movies 1, 6, 2): Drama 2, Comedy 2 (4)
#   overlap    (>= 4) user 7 history {Comedy, Drama}, list {Action, Comedy,
#              Drama, Sci-Fi}; user 8 {Comedy} / {Comedy, Drama}; user 9
#              {} / {Action, Drama, Horror, Sci-Fi}.  Means: history 3/3,
#              list 10/3, both 3/3, history only 0, list only 7/3
bats_require_minimum_version 1.5.0
load helpers

g="$fixtures/genres"

# Assert that rec-genres "$@" fails (1) with exactly "rec-genres: $msg".
fails_with() {
	local msg=$1
	shift
	run -1 --separate-stderr rec-genres "$@"
	assert_equal "$stderr" "rec-genres: $msg"
	assert_equal "$output" ""
}

# Assert that rec-genres "$@" is a usage error (2) whose first line is msg.
usage_error() {
	local msg=$1
	shift
	run -2 --separate-stderr rec-genres "$@"
	assert_equal "${stderr_lines[0]}" "rec-genres: $msg"
	assert_equal "$output" ""
}

@test "--help and --version" {
	run -0 rec-genres --help
	assert_line --index 0 --partial 'usage: rec-genres'
	assert_output --partial '--overlap'
	run -0 rec-genres --version
	assert_output 'rec-genres (recpipe) 0.1.0'
}

@test "--catalog: movies, share of the labels and of the movies, by count then name" {
	run -0 --separate-stderr rec-genres --movies "$g/movies.csv" --catalog
	assert_output "$(printf '%s\n' \
		$'genre\tmovies\tshare\tmovie_share' \
		$'Drama\t3\t0.375000\t0.500000' \
		$'Comedy\t2\t0.250000\t0.333333' \
		$'Action\t1\t0.125000\t0.166667' \
		$'Horror\t1\t0.125000\t0.166667' \
		$'Sci-Fi\t1\t0.125000\t0.166667')"
	assert_equal "$stderr" ""
}

@test "default: the lists' genres beside the catalogue's" {
	run -0 --separate-stderr rec-genres --movies "$g/movies.csv" "$g/top.tsv"
	assert_output "$(printf '%s\n' \
		$'genre\trec\trec_share\tcatalog\tcatalog_share' \
		$'Drama\t3\t0.300000\t3\t0.375000' \
		$'Comedy\t2\t0.200000\t2\t0.250000' \
		$'Action\t2\t0.200000\t1\t0.125000' \
		$'Sci-Fi\t2\t0.200000\t1\t0.125000' \
		$'Horror\t1\t0.100000\t1\t0.125000')"
	# The lists from standard input give the same table.
	run -0 bash -c "rec-genres --movies '$g/movies.csv' < '$g/top.tsv'"
	assert_line --index 1 $'Drama\t3\t0.300000\t3\t0.375000'
}

@test "default with --history, all of it or only the liked part" {
	run -0 rec-genres --movies "$g/movies.csv" --history "$g/hist.tsv" "$g/top.tsv"
	assert_output "$(printf '%s\n' \
		$'genre\trec\trec_share\tcatalog\tcatalog_share\thistory\thistory_share' \
		$'Drama\t3\t0.300000\t3\t0.375000\t3\t0.375000' \
		$'Comedy\t2\t0.200000\t2\t0.250000\t2\t0.250000' \
		$'Action\t2\t0.200000\t1\t0.125000\t1\t0.125000' \
		$'Sci-Fi\t2\t0.200000\t1\t0.125000\t1\t0.125000' \
		$'Horror\t1\t0.100000\t1\t0.125000\t1\t0.125000')"
	run -0 rec-genres --movies "$g/movies.csv" --history "$g/hist.tsv" --liked 4 "$g/top.tsv"
	assert_line --index 1 $'Drama\t3\t0.300000\t3\t0.375000\t2\t0.500000'
	assert_line --index 2 $'Comedy\t2\t0.200000\t2\t0.250000\t2\t0.500000'
	assert_line --index 5 $'Horror\t1\t0.100000\t1\t0.125000\t0\t0.000000'
}

@test "-k counts only the first K items of each list" {
	# Ranks 1: movies 3, 1, 3: Drama 3, Action 2, Sci-Fi 2, Comedy 1.
	run -0 rec-genres --movies "$g/movies.csv" -k 1 "$g/top.tsv"
	assert_line --index 1 $'Drama\t3\t0.375000\t3\t0.375000'
	assert_line --index 2 $'Action\t2\t0.250000\t1\t0.125000'
	assert_line --index 3 $'Sci-Fi\t2\t0.250000\t1\t0.125000'
	assert_line --index 4 $'Comedy\t1\t0.125000\t2\t0.250000'
	assert_line --index 5 $'Horror\t0\t0.000000\t1\t0.125000'
}

@test "--overlap: per user, their mean, all users together" {
	run -0 --separate-stderr rec-genres --movies "$g/movies.csv" \
		--history "$g/hist.tsv" --liked 4 --overlap "$g/top.tsv"
	assert_output "$(printf '%s\n' \
		$'user\thistory\trec\tboth\thistory_only\trec_only\tboth_genres\thistory_only_genres\trec_only_genres' \
		$'7\t2\t4\t2\t0\t2\tComedy|Drama\t-\tAction|Sci-Fi' \
		$'8\t1\t2\t1\t0\t1\tComedy\t-\tDrama' \
		$'9\t0\t4\t0\t0\t4\t-\t-\tAction|Drama|Horror|Sci-Fi' \
		$'mean\t1.000000\t3.333333\t1.000000\t0.000000\t2.333333\t-\t-\t-' \
		$'all\t2\t5\t2\t0\t3\tComedy|Drama\t-\tAction|Horror|Sci-Fi')"
	assert_equal "$stderr" "rec-genres: 1 of 3 users with a list have no genre in their history"
	# The whole history: user 7 has Horror too, in the history only.
	run -0 --separate-stderr rec-genres --movies "$g/movies.csv" \
		--history "$g/hist.tsv" --overlap "$g/top.tsv"
	assert_line --index 1 $'7\t3\t4\t2\t1\t2\tComedy|Drama\tHorror\tAction|Sci-Fi'
	assert_line --index 2 $'8\t4\t2\t2\t2\t0\tComedy|Drama\tAction|Sci-Fi\t-'
	assert_line --index 5 $'all\t5\t5\t5\t0\t0\tAction|Comedy|Drama|Horror|Sci-Fi\t-\t-'
}

@test "--user: best-rated history beside the list, with genres and scores" {
	run -0 --separate-stderr rec-genres --movies "$g/movies.csv" \
		--history "$g/hist.tsv" --user 7 "$g/top.tsv"
	assert_output "$(printf '%s\n' \
		$'rank\thistory_item\thistory_title\thistory_genres\trating\trec_item\trec_title\trec_genres\tscore' \
		$'1\t1\tAlpha, The (1990)\tComedy|Drama\t5\t3\tGamma (1992)\tAction|Drama|Sci-Fi\t4.5' \
		$'2\t6\tZeta (1995)\tDrama\t4\t2\tBeta (1991)\tComedy\t4.1')"
	assert_equal "$stderr" ""
	# -n 3: a third history title, beside nothing; -n and --liked.
	run -0 rec-genres --movies "$g/movies.csv" --history "$g/hist.tsv" --user 7 -n 3 "$g/top.tsv"
	assert_line --index 3 $'3\t5\tEpsilon (1994)\tHorror\t2\t-\t-\t-\t-'
	run -0 rec-genres --movies "$g/movies.csv" --history "$g/hist.tsv" --liked 4.5 --user 7 -n 3 "$g/top.tsv"
	assert_line --index 2 $'2\t-\t-\t-\t-\t2\tBeta (1991)\tComedy\t4.1'
	# A movie without genres shows "-".
	run -0 rec-genres --movies "$g/movies.csv" --history "$g/hist.tsv" --user 8 "$g/top.tsv"
	assert_line --index 2 $'2\t3\tGamma (1992)\tAction|Drama|Sci-Fi\t3\t4\tDelta (1993)\t-\t3.2'
}

@test "--user without a history, and -k" {
	run -0 --separate-stderr rec-genres --movies "$g/movies.csv" \
		--history "$g/hist.tsv" --user 9 -k 1 "$g/top.tsv"
	assert_output "$(printf '%s\n' \
		$'rank\thistory_item\thistory_title\thistory_genres\trating\trec_item\trec_title\trec_genres\tscore' \
		$'1\t-\t-\t-\t-\t3\tGamma (1992)\tAction|Drama|Sci-Fi\t4')"
	assert_equal "$stderr" "rec-genres: user 9 has no history in $g/hist.tsv"
}

@test "an item missing from movies.csv, in the lists or the history" {
	printf '7\t1\t3\t4.5\n7\t2\t99\t4.1\n' > top.tsv
	fails_with "top.tsv:2: item 99 is not in $g/movies.csv" \
		--movies "$g/movies.csv" top.tsv
	printf '7\t1\t5\t1\n7\t42\t1\t2\n' > hist.tsv
	# Even a rating below --liked must be of a known movie.
	fails_with "hist.tsv:2: item 42 is not in $g/movies.csv" \
		--movies "$g/movies.csv" --history hist.tsv --liked 4 --overlap "$g/top.tsv"
	fails_with "$g/top.tsv: user 42 has no list" \
		--movies "$g/movies.csv" --history "$g/hist.tsv" --user 42 "$g/top.tsv"
}

@test "ml-100k u.item and ml-1m movies.dat give what the same movies.csv gives" {
	# tests/fixtures/movies: u.item, movies.dat and equivalent.csv hold the
	# same 20 movies, 101-120, the items of tests/fixtures/mf; the titles
	# of 109 and 120 are Latin-1 in the first two, 119 is u.item's
	# "unknown" (no genre).
	local mv="$fixtures/movies" hist="$fixtures/mf/train.tsv"
	printf '1\t1\t101\t4.5\n1\t2\t119\t4.4\n1\t3\t108\t4.3\n2\t1\t109\t4.2\n2\t2\t120\t4.1\n2\t3\t107\t4\n' > top.tsv
	for f in equivalent.csv u.item movies.dat; do
		rec-genres --movies "$mv/$f" --catalog > "$f.catalog"
		rec-genres --movies "$mv/$f" --history "$hist" top.tsv > "$f.lists"
		rec-genres --movies "$mv/$f" --history "$hist" --liked 4 --overlap top.tsv > "$f.overlap"
		rec-genres --movies "$mv/$f" --history "$hist" --user 2 top.tsv > "$f.user"
	done
	for t in catalog lists overlap user; do
		cmp equivalent.csv.$t u.item.$t
		cmp equivalent.csv.$t movies.dat.$t
	done
	# "unknown" is no genre; "Children's" (101, 108) keeps its name; the
	# titles come out in UTF-8.
	run -0 cut -f 1,2 u.item.catalog
	assert_line --index 0 $'genre\tmovies'
	refute_line --partial 'unknown'
	assert_line $'Children\'s\t2'
	assert_equal "${#lines[@]}" 16
	run -0 cut -f 7 u.item.user
	assert_output "$(printf '%s\n' rec_title 'Misérables, Les (1995)' \
		'Cité des enfants perdus, La (1995)' 'Twelve Monkeys (1995)')"
	# Standard input is told apart by its first line too.
	run -0 rec-genres --movies - --catalog < "$mv/u.item"
	assert_output "$(cat equivalent.csv.catalog)"
	run -0 rec-genres --movies - --catalog < "$mv/movies.dat"
	assert_output "$(cat equivalent.csv.catalog)"
}

@test "bad inputs: movies file, lists, history" {
	printf 'movieId,name,genres\n1,A,Drama\n' > m.csv
	fails_with "m.csv:1: header is 'movieId,name,genres', expected 'movieId,title,genres'" --movies m.csv --catalog
	printf 'movieId,title,genres\n1,A,Drama\n1,B,Comedy\n' > m.csv
	fails_with "m.csv:3: duplicate movieId 1 (first on line 2)" --movies m.csv --catalog
	printf '1|A|||x|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n2|B|||x|0|0|0\n' > u.item
	fails_with "u.item:2: expected 24 '|'-separated fields, got 8" --movies u.item --catalog
	printf '1::A::Drama\n2::B::Comedy\n1::C::Drama\n' > m.dat
	fails_with "m.dat:3: duplicate movieId 1 (first on line 1)" --movies m.dat --catalog
	printf '7\t1\t3\t4.5\n7\t3\t2\t4.1\n' > top.tsv
	fails_with "top.tsv:2: rank 3 after rank 1 in user 7's list (ranks go 1, 2, 3, ...)" \
		--movies "$g/movies.csv" top.tsv
	printf '7\t1\t3\t4.5\n7\t2\t3\t4.5\n' > top.tsv
	fails_with "top.tsv:2: item 3 appears twice in user 7's list (first at rank 1)" \
		--movies "$g/movies.csv" top.tsv
	: > empty.tsv
	fails_with "empty.tsv: no lists" --movies "$g/movies.csv" empty.tsv
	printf '7\t1\t4\t1\n7\t1\t5\t2\n' > hist.tsv
	fails_with "hist.tsv:2: duplicate rating for user 7, item 1 (first on line 1)" \
		--movies "$g/movies.csv" --history hist.tsv "$g/top.tsv"
	printf '7\t1\t6\n' > hist.tsv
	run -1 --separate-stderr rec-genres --movies "$g/movies.csv" --history hist.tsv "$g/top.tsv"
	assert_equal "$stderr" "rec-genres: hist.tsv:1: expected 4 TAB-separated fields, got 3"
	fails_with "nope.csv: No such file or directory" --movies nope.csv --catalog
	fails_with "nope.tsv: No such file or directory" --movies "$g/movies.csv" nope.tsv
	fails_with "$fixtures: Is a directory" --movies "$g/movies.csv" --history "$fixtures" "$g/top.tsv"
}

@test "usage errors" {
	usage_error "--movies FILE is required" --catalog
	usage_error "--catalog reads only --movies" --movies "$g/movies.csv" --catalog "$g/top.tsv"
	usage_error "--overlap needs --history FILE" --movies "$g/movies.csv" --overlap "$g/top.tsv"
	usage_error "--user needs --history FILE" --movies "$g/movies.csv" --user 7 "$g/top.tsv"
	usage_error "--catalog, --overlap and --user do not go together" \
		--movies "$g/movies.csv" --overlap --user 7
	usage_error "--liked goes with --history" --movies "$g/movies.csv" --liked 4 "$g/top.tsv"
	usage_error "-n goes with --user" --movies "$g/movies.csv" -n 3 "$g/top.tsv"
	usage_error "only one input can be standard input" --movies - --history "$g/hist.tsv"
	usage_error "unexpected argument 'b' (one LISTS file at most)" --movies "$g/movies.csv" a b
	run -2 rec-genres --movies "$g/movies.csv" -k 0 "$g/top.tsv"
	run -2 rec-genres --movies "$g/movies.csv" --history "$g/hist.tsv" --liked 6 "$g/top.tsv"
	run -2 rec-genres --movies "$g/movies.csv" --history "$g/hist.tsv" --user -1 "$g/top.tsv"
}

@test "-o writes atomically; a full disk is an error" {
	run -0 rec-genres --movies "$g/movies.csv" --catalog -o out.tsv
	assert_output ""
	run -0 head -1 out.tsv
	assert_output $'genre\tmovies\tshare\tmovie_share'
	run -1 --separate-stderr bash -c "rec-genres --movies '$g/movies.csv' --catalog > /dev/full"
	assert_equal "$stderr" "rec-genres: <stdout>: No space left on device"
	# A failure leaves no output file behind.
	run -1 rec-genres --movies "$g/movies.csv" -o out2.tsv nope.tsv
	[ ! -e out2.tsv ]
	run -0 bash -c "rec-genres --movies '$g/movies.csv' --catalog | head -1"
	assert_output $'genre\tmovies\tshare\tmovie_share'
}

@test "ml-latest-small: the catalogue agrees with awk" {
	[ -e "$movielens/movies.csv" ] || skip "no $movielens"
	rec-genres --movies "$movielens/movies.csv" --catalog | tail -n +2 | cut -f 1,2 | sort > ours
	# Titles with commas are quoted, but the genres are always the last
	# field; the file has CRLF line ends.
	awk -F, '{ sub(/\r$/, "") } NR > 1 && $NF != "(no genres listed)" {
		n = split($NF, g, "|"); for (i = 1; i <= n; i++) c[g[i]]++ }
		END { for (k in c) printf "%s\t%d\n", k, c[k] }' \
		"$movielens/movies.csv" | sort > awk
	run -0 diff ours awk
	run -0 grep -c . ours
	assert_output 19
	run -0 grep $'^Drama\t' ours
	assert_output $'Drama\t4361'
}
