#!/usr/bin/env bats
# rec-filter: formats, validation, deduplication, filters, output faults.
bats_require_minimum_version 1.5.0
load helpers

hdr='userId,movieId,rating,timestamp'

# A CSV file r.csv with the header and the given rows (one per argument).
csv() {
	{ echo "$hdr"; printf '%s\n' "$@"; } > r.csv
}

# Assert that rec-filter r.csv fails with exactly "rec-filter: $1" and
# writes nothing.
fails_with() {
	run -1 --separate-stderr rec-filter r.csv
	assert_equal "$stderr" "rec-filter: $1"
	assert_equal "$output" ""
}

@test "--help and --version" {
	run -0 rec-filter --help
	assert_line --index 0 --partial 'usage: rec-filter'
	assert_output --partial '--min-item-ratings N'
	run -0 rec-filter --version
	assert_output 'rec-filter (recpipe) 0.1.0'
}

@test "bad usage exits 2 with the usage" {
	run -2 --separate-stderr rec-filter --nope
	assert_equal "${stderr_lines[-1]}" "Try 'rec-filter --help' for more information."
	run -2 --separate-stderr rec-filter --min-item-ratings 1x "$fixtures/ratings/small.csv"
	assert_equal "${stderr_lines[0]}" "rec-filter: --min-item-ratings '1x' is not an integer in [1, 1000000000]"
	run -2 rec-filter --format xml
	run -2 rec-filter --dedup maybe
	run -2 rec-filter --rating-range 5,1
	run -2 rec-filter --rating-range nan,5
	run -2 rec-filter a b
}

@test "CSV, TSV, u.data and ratings.dat give the same stream" {
	run -0 rec-filter "$fixtures/ratings/small.csv"
	assert_output "$(cat "$fixtures/ratings/small.tsv")"
	run -0 rec-filter "$fixtures/ratings/small.tsv"
	assert_output "$(cat "$fixtures/ratings/small.tsv")"
	run -0 rec-filter "$fixtures/ratings/small.dat"
	assert_output "$(cat "$fixtures/ratings/small.tsv")"
	run -0 rec-filter --format csv < "$fixtures/ratings/small.csv"
	assert_output "$(cat "$fixtures/ratings/small.tsv")"
}

@test "standard input, and - for it" {
	run -0 bash -c "rec-filter < '$fixtures/ratings/small.csv'"
	assert_output "$(cat "$fixtures/ratings/small.tsv")"
	run -0 bash -c "rec-filter - < '$fixtures/ratings/small.tsv'"
	assert_output "$(cat "$fixtures/ratings/small.tsv")"
}

@test "CRLF and a UTF-8 BOM read byte-identically" {
	rec-filter "$fixtures/ratings/small-bom-crlf.csv" > out.tsv
	cmp out.tsv "$fixtures/ratings/small.tsv"
	printf '\xef\xbb\xbf1\t10\t4\t100\r\n1\t20\t3.5\t200\r\n2\t10\t5\t150\r\n2\t30\t0.5\t300\r\n3\t20\t2\t50\r\n' > r.tsv
	rec-filter r.tsv > out2.tsv
	cmp out2.tsv "$fixtures/ratings/small.tsv"
}

@test "quoted fields, and a last line without newline" {
	rec-filter "$fixtures/ratings/quoted.csv" > out.tsv
	cmp out.tsv "$fixtures/ratings/small.tsv"
	printf '%s\n1,10,4.0,100\n1,20,3.5,200' "$hdr" > r.csv
	run -0 rec-filter r.csv
	assert_output "$(printf '1\t10\t4\t100\n1\t20\t3.5\t200')"
}

@test "blank lines: skipped in CSV, an error in TSV" {
	printf '%s\n1,10,4.0,100\n\n1,20,3.5,200\n' "$hdr" > r.csv
	run -0 rec-filter r.csv
	assert_equal "${#lines[@]}" 2
	printf '1\t10\t4\t100\n\n1\t20\t3.5\t200\n' > r.tsv
	run -1 --separate-stderr rec-filter r.tsv
	assert_equal "$stderr" "rec-filter: r.tsv:2: empty line"
}

@test "empty input and a header alone are errors" {
	: > r.csv
	fails_with "r.csv:1: missing header, expected 'userId,movieId,rating,timestamp'"
	echo "$hdr" > r.csv
	fails_with "r.csv: no ratings"
	run -1 --separate-stderr bash -c 'rec-filter < /dev/null'
	assert_equal "$stderr" "rec-filter: <stdin>: empty input"
}

@test "a wrong header" {
	printf 'movieId,title,genres\n1,Toy Story (1995),Comedy\n' > r.csv
	fails_with "r.csv:1: header is 'movieId,title,genres', expected 'userId,movieId,rating,timestamp'"
}

@test "too few and too many fields" {
	csv 1,10,4.0,100 1,2,3.5
	fails_with "r.csv:3: expected 4 fields, got 3"
	csv 1,2,3.5,4,5
	fails_with "r.csv:2: expected 4 fields, got 5"
	printf '1 10 4 100\n' > r.tsv
	run -1 --separate-stderr rec-filter r.tsv
	assert_equal "$stderr" "rec-filter: r.tsv:1: expected 4 TAB-separated fields, got 1"
	printf '1\t10\t4\t\n' > r.tsv
	run -1 --separate-stderr rec-filter r.tsv
	assert_equal "$stderr" "rec-filter: r.tsv:1: empty field 4"
}

@test "bad ratings" {
	for bad in abc nan inf -inf 1e999 0x1p2 ' 3.5' '3.5 ' +3 -1; do
		csv "1,2,$bad,100"
		fails_with "r.csv:2: rating '$bad' is not a number"
	done
	csv '1,2,"3,5",100'
	fails_with "r.csv:2: rating '3,5' is not a number"
	csv 1,2,,100
	fails_with "r.csv:2: empty rating"
	# a rating of any length: 4.000...0 with 600 and 5,000 digits
	for n in 600 5000; do
		csv "1,2,4.$(printf '%0*d' $n 0),100"
		run -0 rec-filter r.csv
		assert_output "$(printf '1\t2\t4\t100')"
	done
	for bad in 7.0 0 5.5 0.25; do
		csv "1,2,$bad,100"
		fails_with "r.csv:2: rating $bad out of range [0.5, 5]"
	done
}

@test "bad values in a TSV stream" {
	for bad in abc nan inf 1e999 0x1p2 ' 3.5' '3.5 ' +3 -1 3. .5 3,5; do
		printf '1\t2\t%s\t100\n' "$bad" > r.tsv
		run -1 --separate-stderr rec-filter r.tsv
		assert_equal "$stderr" "rec-filter: r.tsv:1: rating '$bad' is not a number"
	done
	for bad in 9 0.25 5.5; do
		printf '1\t2\t%s\t100\n' "$bad" > r.tsv
		run -1 --separate-stderr rec-filter r.tsv
		assert_equal "$stderr" "rec-filter: r.tsv:1: rating $bad out of range [0.5, 5]"
	done
	printf '1\t99999999999999999999\t3\t100\n' > r.tsv
	run -1 --separate-stderr rec-filter r.tsv
	assert_equal "$stderr" "rec-filter: r.tsv:1: item '99999999999999999999' out of range"
	printf '12x\t2\t3\t100\n' > r.tsv
	run -1 --separate-stderr rec-filter r.tsv
	assert_equal "$stderr" "rec-filter: r.tsv:1: user '12x' is not a non-negative integer"
	printf '1\t2\t3\t-5\n' > r.tsv
	run -1 --separate-stderr rec-filter r.tsv
	assert_equal "$stderr" "rec-filter: r.tsv:1: bad timestamp '-5'"
	# long but valid numbers take the checked path and are accepted
	printf '9223372036854775807\t0000000000000000000002\t3.50000000000000000000\t9223372036854775807\n' > r.tsv
	run -0 rec-filter r.tsv
	assert_output "$(printf '9223372036854775807\t2\t3.5\t9223372036854775807')"
}

@test "--rating-range, and ratings written back exactly, without exponents" {
	csv 1,2,7.0,100
	run -0 rec-filter --rating-range 1,10 r.csv
	assert_output "$(printf '1\t2\t7\t100')"
	csv 1,2,3.25,1 1,3,3.7,1 1,4,123456.5,1 1,5,0.00001,1 1,6,4.50,1
	run -0 rec-filter --rating-range 0,1000000 r.csv
	assert_equal "$(cut -f3 <<< "$output" | tr '\n' ' ')" "3.25 3.7 123456.5 0.00001 4.5 "
	run -2 rec-filter --rating-range 0,1e7 r.csv
}

@test "a quoted CSV header on standard input is recognised" {
	printf '"userId","movieId","rating","timestamp"\n1,2,3.5,4\n' > q.txt
	run -0 bash -c 'rec-filter < q.txt'
	assert_output "$(printf '1\t2\t3.5\t4')"
}

@test "bad ids" {
	for bad in -3 -5 12x 1.0 +5 ' 5' 1e9999; do
		csv "$bad,2,3.5,100"
		fails_with "r.csv:2: userId '$bad' is not a non-negative integer"
	done
	csv 1,99999999999999999999,3.5,100
	fails_with "r.csv:2: movieId '99999999999999999999' out of range"
	printf '1\t-3\t4\t100\n' > r.tsv
	run -1 --separate-stderr rec-filter r.tsv
	assert_equal "$stderr" "rec-filter: r.tsv:1: item '-3' is not a non-negative integer"
}

@test "bad timestamps" {
	for bad in -1 1.5 x; do
		csv "1,2,3.5,$bad"
		fails_with "r.csv:2: bad timestamp '$bad'"
	done
	csv 1,2,3.5,0
	run -0 rec-filter r.csv
}

@test "quoting errors" {
	printf '%s\n1,2,3.5,100\n1,3,"4.0\n' "$hdr" > r.csv
	fails_with "r.csv:3: unterminated quoted field"
	csv '1,bad"q,3,4'
	fails_with "r.csv:2: malformed quoting"
}

@test "line numbers after a quoted newline" {
	printf '%s\n"1\n",2,3.5,100\n1,x,3.5,100\n' "$hdr" > r.csv
	fails_with "r.csv:2: userId '1?' is not a non-negative integer"
	printf '%s\n"1",2,3.5,"10\n0"\n1,x,3.5,100\n' "$hdr" > r.csv
	fails_with "r.csv:2: bad timestamp '10?0'"
}

@test "NUL bytes and binary input" {
	printf '1\t2\t3\x00\t4\n' > r.tsv
	run -1 --separate-stderr rec-filter r.tsv
	assert_equal "$stderr" "rec-filter: r.tsv:1: NUL byte in input"
	head -c 3000 /dev/urandom | tr -d '\n' | tr 'a' '\0' > bin.dat
	printf '\0' >> bin.dat
	run -1 rec-filter bin.dat
}

@test "--skip-bad drops and counts bad rows" {
	csv 1,10,4.0,100 1,x,3,5 2,10,9,5 2,20,3.0,100
	run -0 --separate-stderr rec-filter --skip-bad r.csv
	assert_output "$(printf '1\t10\t4\t100\n2\t20\t3\t100')"
	assert_equal "$stderr" "rec-filter: r.csv: 2 bad rows dropped (first: line 3: movieId 'x' is not a non-negative integer)"
}

@test "--dedup last, first and error" {
	run -0 --separate-stderr rec-filter "$fixtures/ratings/dups.csv"
	assert_output "$(printf '1\t10\t3\t200\n2\t10\t5\t150')"
	assert_equal "$stderr" "rec-filter: $fixtures/ratings/dups.csv: 2 duplicate ratings dropped"
	run -0 --separate-stderr rec-filter --dedup first "$fixtures/ratings/dups.csv"
	assert_output "$(printf '1\t10\t4\t100\n2\t10\t5\t150')"
	run -1 --separate-stderr rec-filter --dedup error "$fixtures/ratings/dups.csv"
	assert_equal "$stderr" "rec-filter: $fixtures/ratings/dups.csv:3: duplicate rating for user 1, item 10 (first on line 2)"
	assert_equal "$output" ""
}

@test "equal timestamps: last keeps the later line" {
	csv 1,10,4.0,100 1,10,2.0,100
	run -0 --separate-stderr rec-filter r.csv
	assert_output "$(printf '1\t10\t2\t100')"
}

@test "--min-item-ratings, --min-user-ratings, --k-core" {
	# items: 10 x3, 20 x2, 30 x1; users: 1 x3, 2 x2, 3 x1
	csv 1,10,4,1 1,20,4,2 1,30,4,3 2,10,4,4 2,20,4,5 3,10,4,6
	run -0 rec-filter --min-item-ratings 2 r.csv
	assert_equal "${#lines[@]}" 5
	run -0 rec-filter --min-item-ratings 2 --min-user-ratings 2 r.csv
	assert_output "$(printf '1\t10\t4\t1\n1\t20\t4\t2\n2\t10\t4\t4\n2\t20\t4\t5')"
	# 3-core: only user 1 and item 10 had 3; nothing survives
	run -0 --separate-stderr rec-filter --min-item-ratings 3 --min-user-ratings 3 r.csv
	assert_output ""
	run -0 --separate-stderr rec-filter --min-item-ratings 2 --min-user-ratings 3 --k-core --verbose r.csv
	assert_output ""
	assert_equal "$stderr" "rec-filter: r.csv: read 6 ratings; kept 0 ratings of 0 users and 0 items (2 rounds)"
}

@test "-o writes atomically; -o equal to the input works" {
	cp "$fixtures/ratings/small.tsv" r.tsv
	run -0 rec-filter -o r.tsv r.tsv
	cmp r.tsv "$fixtures/ratings/small.tsv"
	echo old > out.tsv
	csv 1,2,bad,4
	run -1 rec-filter -o out.tsv r.csv
	assert_equal "$(cat out.tsv)" old
	run ls -A
	refute_output --partial '.out.tsv.'
}

@test "-o to a device, a FIFO or a symbolic link writes in place" {
	run -0 rec-filter -o /dev/null "$fixtures/ratings/small.tsv"
	[ -c /dev/null ]
	ln -s target.tsv link.tsv
	run -0 rec-filter -o link.tsv "$fixtures/ratings/small.tsv"
	[ -L link.tsv ]
	cmp target.tsv "$fixtures/ratings/small.tsv"
	mkfifo fifo
	cat fifo > from-fifo.tsv &
	run -0 rec-filter -o fifo "$fixtures/ratings/small.tsv"
	wait
	cmp from-fifo.tsv "$fixtures/ratings/small.tsv"
	[ -p fifo ]
}

@test "-o into a missing folder" {
	run -1 --separate-stderr rec-filter -o /nonexistent/x.tsv "$fixtures/ratings/small.tsv"
	assert_equal "$stderr" "rec-filter: /nonexistent/x.tsv: No such file or directory"
}

@test "a missing file and a directory as input" {
	run -1 --separate-stderr rec-filter nope.csv
	assert_equal "$stderr" "rec-filter: nope.csv: No such file or directory"
	run -1 --separate-stderr rec-filter "$fixtures"
	assert_equal "$stderr" "rec-filter: $fixtures: Is a directory"
}

@test "output faults: full disk, closed pipe, closed stdout and stdin" {
	run -1 --separate-stderr bash -c "rec-filter '$fixtures/ratings/small.csv' > /dev/full"
	assert_equal "$stderr" "rec-filter: <stdout>: No space left on device"
	run -1 bash -c 'rec-filter --help > /dev/full'
	seq 1 200000 | awk '{ printf "%d\t%d\t4\t0\n", $1, $1 % 7 }' > big.tsv
	run -0 bash -c "rec-filter big.tsv | head -1 > /dev/null; echo \${PIPESTATUS[0]}"
	assert_output 141
	run -0 bash -c "trap '' PIPE; rec-filter big.tsv | head -1 > /dev/null; echo \${PIPESTATUS[0]}"
	assert_output 141
	run -1 --separate-stderr bash -c "rec-filter big.tsv >&-"
	assert_equal "$stderr" "rec-filter: standard output is closed"
	run -1 --separate-stderr bash -c "rec-filter <&-"
	assert_equal "$stderr" "rec-filter: standard input is closed"
}

@test "-o under a file size limit leaves the old file" {
	seq 1 200000 | awk '{ printf "%d\t%d\t4\t0\n", $1, $1 % 7 }' > big.tsv
	echo old > out.tsv
	run -1 --separate-stderr bash -c 'ulimit -f 16; trap "" XFSZ; rec-filter -o out.tsv big.tsv'
	assert_equal "$stderr" "rec-filter: out.tsv: File too large"
	assert_equal "$(cat out.tsv)" old
	run ls -A
	refute_output --partial '.out.tsv.'
}

@test "ml-latest-small: 67,898 ratings of 610 users and 1,297 movies" {
	[ -f "$movielens/ratings.csv" ] || skip "no data (scripts/get-movielens)"
	run -0 --separate-stderr rec-filter --min-item-ratings 20 --verbose -o f.tsv "$movielens/ratings.csv"
	assert_equal "$stderr" "rec-filter: $movielens/ratings.csv: read 100836 ratings; kept 67898 ratings of 610 users and 1297 items (1 round)"
	assert_equal "$(wc -l < f.tsv)" 67898
	assert_equal "$(cut -f1 f.tsv | sort -u | wc -l)" 610
	assert_equal "$(cut -f2 f.tsv | sort -u | wc -l)" 1297
}
