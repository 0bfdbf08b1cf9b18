#!/usr/bin/env bats
# rec-split: per-user time and random splits, leave-last, global cuts,
# validation parts, --tag, errors.
bats_require_minimum_version 1.5.0
load helpers

# Ratings of three users: user 1 has 5, user 2 has 2, user 3 has 1.
# Timestamps are out of input order on purpose.
setup() {
	printf '%s\n' \
		'1	10	4	500' '1	11	3	100' '1	12	5	300' '1	13	2	200' '1	14	1	400' \
		'2	10	4	20' '2	11	3	10' \
		'3	10	4	7' | tr -d '\r' > r.tsv
}

@test "--help and --version" {
	run -0 rec-split --help
	assert_line --index 0 --partial 'usage: rec-split'
	assert_output --partial '--valid-ratio R'
	run -0 rec-split --version
	assert_output 'rec-split (recpipe) 0.1.0'
}

@test "bad usage exits 2" {
	run -2 rec-split r.tsv
	run -2 rec-split --train a --test b --ratio 1.5 r.tsv
	run -2 rec-split --train a --test b --ratio 0.5 --leave-last 1 r.tsv
	run -2 rec-split --train a --test b --valid c r.tsv
	run -2 rec-split --train a --test b --by sometimes r.tsv
	run -2 rec-split --tag --train a r.tsv
	run -2 rec-split --train a --test b --by random --global-time 5 r.tsv
	run -2 --separate-stderr rec-split --train a --test b --seed 3 r.tsv
	assert_equal "${stderr_lines[0]}" "rec-split: --seed goes with --by random"
	run -2 --separate-stderr rec-split --train a --test b --seed -1 r.tsv
	assert_equal "${stderr_lines[0]}" "rec-split: --seed '-1' is not an integer in [0, 9223372036854775807]"
}

@test "two parts to one file, by any of its names, is a usage error" {
	printf '1\t1\t4\t1\n1\t2\t4\t2\n' > r.tsv
	split_fails() {
		local msg=$1
		shift
		run -2 --separate-stderr rec-split "$@" r.tsv
		assert_equal "${stderr_lines[0]}" "rec-split: $msg"
		assert_equal "$output" ""
	}
	split_fails "--train and --test name the same file (a)" --train a --test a
	split_fails "--test and --valid name the same file (./b)" --train a --test b \
		--valid ./b --valid-ratio 0.5
	ln -s a lnk
	split_fails "--train and --test name the same file (lnk)" --train a --test lnk
	touch h1 && ln h1 h2
	split_fails "--train and --test name the same file (h2)" --train h1 --test h2
	split_fails "--train and --test name the same file (/dev/stdout)" --train - --test /dev/stdout
	assert [ ! -e a ] && assert [ ! -e b ] && assert [ ! -s h1 ]
	# /dev/null takes any number of parts
	run -0 rec-split --train /dev/null --test /dev/null r.tsv
}

@test "per-user time split: round-half-up, at least one each, input order kept" {
	run -0 rec-split --train train.tsv --test test.tsv r.tsv
	# user 1: 4 of 5 by time (100..400), user 2: 1 of 2, user 3: 1 of 1
	assert_equal "$(cat train.tsv)" "$(printf '%s\n' '1	11	3	100' '1	12	5	300' '1	13	2	200' '1	14	1	400' '2	11	3	10' '3	10	4	7')"
	assert_equal "$(cat test.tsv)" "$(printf '%s\n' '1	10	4	500' '2	10	4	20')"
}

@test "--ratio 0.5 rounds half up" {
	rec-split --ratio 0.5 --train train.tsv --test test.tsv r.tsv
	# user 1: round(2.5) = 3 train
	assert_equal "$(awk '$1 == 1' train.tsv | wc -l)" 3
}

@test "ties in time are broken by item id, whatever the input order" {
	printf '1\t30\t4\t5\n1\t20\t4\t5\n1\t10\t4\t5\n1\t40\t4\t5\n' > t.tsv
	rec-split --ratio 0.5 --train a.tsv --test b.tsv t.tsv
	assert_equal "$(cut -f2 b.tsv | sort -n | tr '\n' ' ')" "30 40 "
}

@test "--leave-last" {
	rec-split --leave-last 2 --train train.tsv --test test.tsv r.tsv
	assert_equal "$(cut -f2,4 test.tsv | tr '\t\n' ': ')" "10:500 14:400 10:20 "
}

@test "--valid-ratio carves the end of each train part" {
	rec-split --valid-ratio 0.25 --train a.tsv --test b.tsv --valid c.tsv r.tsv
	# user 1: train part 4 rows -> 1 valid (the newest train row, t=400)
	assert_equal "$(cat c.tsv)" "$(printf '1\t14\t1\t400')"
	assert_equal "$(wc -l < a.tsv)" 5
}

@test "--tag writes one stream" {
	run -0 rec-split --tag r.tsv
	assert_line --index 0 "$(printf 'test\t1\t10\t4\t500')"
	assert_line --index 1 "$(printf 'train\t1\t11\t3\t100')"
	assert_equal "$(grep -c '^test' <<< "$output")" 2
	rec-split --tag -o tagged.tsv r.tsv
	assert_equal "$(cat tagged.tsv)" "$output"
}

@test "--by random: seeded, same counts, independent of input order" {
	rec-split --by random --seed 7 --train a1 --test b1 r.tsv
	tac r.tsv > rev.tsv
	rec-split --by random --seed 7 --train a2 --test b2 rev.tsv
	assert_equal "$(sort a1)" "$(sort a2)"
	assert_equal "$(wc -l < b1)" 2
	found=0
	for s in 1 2 3 4 5 6 7 8; do
		rec-split --by random --seed $s --train x --test y r.tsv
		[ "$(sort y)" != "$(sort b1)" ] && found=1
	done
	assert_equal "$found" 1
}

@test "--global-time and --global-ratio: one cut for everyone" {
	rec-split --global-time 300 --train a.tsv --test b.tsv r.tsv
	assert_equal "$(cut -f4 b.tsv | tr '\n' ' ')" "500 300 400 "
	run -0 --separate-stderr rec-split --global-ratio 0.5 --verbose --train a.tsv --test b.tsv r.tsv
	# times sorted: 7 10 20 100 | 200 ...: the cut is at row 4 (t=200)
	assert_equal "${stderr_lines[1]}" "rec-split: r.tsv: cut at timestamp 200"
	assert_equal "$(wc -l < a.tsv)" 4
	assert_equal "${stderr_lines[2]}" "rec-split: r.tsv: 0.00% of test ratings are older than the newest train rating"
}

@test "any rating scale splits" {
	printf '1\t2\t70\t1\n1\t3\t0\t2\n' > s.tsv
	run -0 rec-split --tag s.tsv
	assert_output "$(printf 'train\t1\t2\t70\t1\ntest\t1\t3\t0\t2')"
}

@test "--verbose reports the leakage of a per-user split" {
	run -0 --separate-stderr rec-split --verbose --train a --test b r.tsv
	assert_equal "${stderr_lines[0]}" "rec-split: r.tsv: 6 train, 2 test, 0 valid ratings"
	# test rows at 500 and 20; the newest train row is 400: 1 of 2 older
	assert_equal "${stderr_lines[1]}" "rec-split: r.tsv: 50.00% of test ratings are older than the newest train rating"
}

@test "a repeated rating is an error naming both lines" {
	printf '1\t10\t4\t1\n2\t10\t4\t1\n1\t10\t3\t2\n' > d.tsv
	run -1 --separate-stderr rec-split --train a --test b d.tsv
	assert_equal "$stderr" "rec-split: d.tsv:3: duplicate rating for user 1, item 10 (first on line 1)"
	[ ! -e a ] && [ ! -e b ]
}

@test "bad input: CSV is not a stream, empty input" {
	run -1 --separate-stderr rec-split --train a --test b "$fixtures/ratings/small.csv"
	assert_equal "$stderr" "rec-split: $fixtures/ratings/small.csv:1: expected 4 TAB-separated fields, got 1"
	run -1 --separate-stderr bash -c 'rec-split --train a --test b < /dev/null'
	assert_equal "$stderr" "rec-split: <stdin>: empty input"
	[ ! -e a ] && [ ! -e b ]
}

@test "output faults" {
	run -1 --separate-stderr bash -c 'rec-split --tag r.tsv > /dev/full'
	assert_equal "$stderr" "rec-split: <stdout>: No space left on device"
	run -1 --separate-stderr rec-split --train /nonexistent/a --test b r.tsv
	assert_equal "$stderr" "rec-split: /nonexistent/a: No such file or directory"
	[ ! -e b ]
}

@test "ml-latest-small: 54,318 train and 13,580 test ratings" {
	[ -f "$movielens/ratings.csv" ] || skip "no data (scripts/get-movielens)"
	rec-filter --min-item-ratings 20 "$movielens/ratings.csv" |
		rec-split --by time --ratio 0.8 --train train.tsv --test test.tsv
	assert_equal "$(wc -l < train.tsv)" 54318
	assert_equal "$(wc -l < test.tsv)" 13580
	# no user of the test set is missing from train
	run -0 bash -c "cut -f1 test.tsv | sort -u | comm -23 - <(cut -f1 train.tsv | sort -u) | wc -l"
	assert_output 0
}
