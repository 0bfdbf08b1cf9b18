#!/usr/bin/env bats
# rec-score: predictions, top-K lists, fallbacks, errors.
bats_require_minimum_version 1.5.0
load helpers

mf="$BATS_TEST_DIRNAME/../fixtures/mf"

setup() {
	rec-train-mf -q --dim 4 --epochs 20 --lr 0.02 -o m.st "$mf/train.tsv"
}

@test "--help and --version" {
	run -0 rec-score --help
	assert_line --index 0 --partial 'usage: rec-score'
	assert_output --partial '--exclude FILE'
	run -0 rec-score --version
	assert_output 'rec-score (recpipe) 0.1.0'
}

@test "bad usage exits 2" {
	run -2 rec-score "$mf/test.tsv"
	run -2 rec-score -m m.st --top 0
	run -2 rec-score -m m.st --top x
	run -2 rec-score -m m.st --exclude "$mf/train.tsv" "$mf/test.tsv"
	run -2 rec-score -m m.st a b
	# standard input once at most: the model would take all of it
	for args in "-m - -" "-m - --top 3 --exclude -" "-m - --top 3 --users -" \
	    "-m m.st --top 3 --users - --exclude -"; do
		run -2 --separate-stderr bash -c "rec-score $args < m.st"
		assert_equal "${stderr_lines[0]}" "rec-score: only one input can be standard input"
		assert_equal "$output" ""
	done
}

@test "predictions: each line unchanged plus a rating in [0.5, 5]" {
	run -0 rec-score -m m.st "$mf/test.tsv"
	assert_equal "${#lines[@]}" 90
	assert_equal "$(cut -f1-4 <<< "$output")" "$(cat "$mf/test.tsv")"
	run -0 awk -F'\t' 'NF != 5 || $5 < 0.5 || $5 > 5 { bad++ } END { print bad + 0 }' <<< "$output"
	assert_output 0
	# bare pairs, and extra columns, work too
	printf '1\t101\n2\t102\tx\ty\n' > pairs.tsv
	run -0 rec-score -m m.st pairs.tsv
	assert_regex "${lines[0]}" $'^1\t101\t[0-9.]+$'
	assert_regex "${lines[1]}" $'^2\t102\tx\ty\t[0-9.]+$'
}

@test "the model predicts better than the global mean on held-out ratings" {
	rec-score -m m.st "$mf/test.tsv" > p.tsv
	run -0 awk -F'\t' 'NR == FNR { s += $3; n++; next }
		{ m = s / n; e0 += ($3 - m) ^ 2; e1 += ($3 - $5) ^ 2 }
		END { print (e1 < e0) ? "better" : "worse" }' "$mf/train.tsv" p.tsv
	assert_output better
}

@test "same model, same output; the same numbers after a save and load" {
	rec-score -m m.st "$mf/test.tsv" > a.tsv
	rec-score -m m.st < "$mf/test.tsv" > b.tsv
	cmp a.tsv b.tsv
	rec-train-mf -q --dim 4 --epochs 20 --lr 0.02 -o m2.st "$mf/train.tsv"
	rec-score -m m2.st "$mf/test.tsv" > c.tsv
	cmp a.tsv c.tsv
}

@test "unknown users and items: fallback and a count" {
	printf '1\t101\n999\t101\n1\t999\n998\t997\n' > u.tsv
	run -0 --separate-stderr rec-score -m m.st u.tsv
	assert_equal "${#lines[@]}" 4
	assert_equal "$stderr" "rec-score: 2 unknown users, 2 unknown items (fallback used)"
}

@test "--top K: every user, ranks 1..K, no training item, best first" {
	run -0 rec-score -m m.st --top 3 --exclude "$mf/train.tsv"
	assert_equal "${#lines[@]}" 90
	# ranks 1..3 per user, scores non-increasing
	run -0 awk -F'\t' '$2 != (prev == $1 ? r + 1 : 1) { bad++ }
		prev == $1 && $4 > s + 1e-6 { bad++ }
		{ prev = $1; r = $2; s = $4 } END { print bad + 0 }' <<< "$output"
	assert_output 0
	rec-score -m m.st --top 3 --exclude "$mf/train.tsv" > top.tsv
	run -0 bash -c "cut -f1,3 top.tsv | sort > a; cut -f1,2 '$mf/train.tsv' | sort > b; comm -12 a b | wc -l"
	assert_output 0
	# without exclusions the lists can hold training items
	rec-score -m m.st --top 20 > all.tsv
	assert_equal "$(wc -l < all.tsv)" 600
	# the listed score is the rating rec-score predicts for the pair
	head -1 top.tsv | awk -F'\t' '{ print $1 "\t" $3 }' > pair.tsv
	assert_equal "$(rec-score -m m.st pair.tsv | cut -f3)" "$(head -1 top.tsv | cut -f4)"
}

@test "--top K for listed users, in their order, unknown ones too" {
	printf '5\tx\n2\n5\n999\n' > users.tsv
	run -0 --separate-stderr rec-score -m m.st --top 2 users.tsv
	assert_equal "$(cut -f1,2 <<< "$output" | tr '\t\n' ': ')" "5:1 5:2 2:1 2:2 999:1 999:2 "
	assert_equal "$stderr" "rec-score: 1 unknown user, 0 unknown items (fallback used)"
	run -0 --separate-stderr rec-score -m m.st --top 2 --users users.tsv
	assert_equal "$(cut -f1,2 <<< "$output" | tr '\t\n' ': ')" "5:1 5:2 2:1 2:2 999:1 999:2 "
	run -0 --separate-stderr bash -c 'cut -f1 users.tsv | rec-score -m m.st --top 1 -'
	assert_equal "$(cut -f1 <<< "$output" | tr '\n' ' ')" "5 2 999 "
	run -2 rec-score -m m.st --top 2 --users users.tsv users.tsv
	run -2 rec-score -m m.st --users users.tsv
}

@test "--top K --threads N: the same lists for any N" {
	rec-score -m m.st --top 4 --exclude "$mf/train.tsv" > one.tsv
	for n in 2 3 7; do
		rec-score -m m.st --top 4 --exclude "$mf/train.tsv" --threads $n > many.tsv
		cmp one.tsv many.tsv
	done
	run -2 --separate-stderr rec-score -m m.st --threads 2 "$mf/test.tsv"
	assert_equal "${stderr_lines[0]}" "rec-score: --exclude, --users and --threads go with --top"
	run -2 rec-score -m m.st --top 2 --threads 0
	run -2 rec-score -m m.st --top 2 --threads 65
}

@test "--top K --exclude read in parts on N threads: the same lists, the same errors" {
	# past 1 MiB, so that each thread reads a part of the file
	awk 'BEGIN { for (j = 0; j < 100000; j++)
		printf "%d\t%d\t%.1f\t%d\n", j % 3000, (int(j / 3000) * 11 + j % 3000) % 400,
		       0.5 + (j * 7 % 10) / 2, 1000000000 + j }' > ex.tsv
	rec-train-mf -q --dim 4 --epochs 1 -o ex.st ex.tsv
	rec-score -m ex.st --top 5 --exclude ex.tsv > one.tsv
	rec-score -m ex.st --top 5 --exclude ex.tsv --threads 2 > two.tsv
	rec-score -m ex.st --top 5 --exclude - --threads 2 < ex.tsv > stdin.tsv
	cmp one.tsv two.tsv
	cmp one.tsv stdin.tsv
	[ "$(wc -l < one.tsv)" -eq 15000 ]
	# a bad line in the second half: its line in the file
	sed '90000s/^[0-9]*/x/' ex.tsv > bad.tsv
	run -1 --separate-stderr rec-score -m ex.st --top 5 --exclude bad.tsv --threads 2
	assert_equal "${stderr_lines[0]}" "$(rec-score -m ex.st --top 5 --exclude bad.tsv 2>&1 >/dev/null)"
	[[ "${stderr_lines[0]}" == "rec-score: bad.tsv:90000: "* ]]
}

@test "--top K --exclude: at most 16 bytes of memory an excluded rating" {
	# The exclusions are kept as (user, item) pairs as they are read (8
	# bytes a rating), then as an item index (4).  Measured as the growth
	# from 200,000 to 800,000 excluded ratings (20,000 users, 5,000
	# items), so that what does not grow with them is left out: about 11
	# bytes, with the arrays' room to grow.
	[ -z "${REC_SANITIZED:-}" ] || skip "a sanitizer's memory is not the program's"
	for n in 200000 800000; do
		awk -v n=$n 'BEGIN { for (j = 0; j < n; j++)
			printf "%d\t%d\t%.1f\t%d\n", j % 20000,
			       (int(j / 20000) * 131 + j % 20000) % 5000,
			       0.5 + (j * 7 % 10) / 2, 1000000000 + j }' > r$n.tsv
	done
	rec-train-mf -q --dim 8 --epochs 1 -o big.st r200000.tsv
	for n in 200000 800000; do
		/usr/bin/time -f %M -o rss$n rec-score -m big.st --top 10 \
			--exclude r$n.tsv -o top$n.tsv
	done
	per=$(awk -v a="$(cat rss200000)" -v b="$(cat rss800000)" \
		'BEGIN { printf "%.0f", (b - a) * 1024 / 600000 }')
	echo "$per bytes an excluded rating"
	assert [ "$per" -le 16 ]
}

@test "bad model files are rejected with the tensor named" {
	head -c 100 m.st > cut.st
	run -1 --separate-stderr rec-score -m cut.st "$mf/test.tsv"
	assert_regex "$stderr" '^rec-score: cut.st: '
	assert_equal "$output" ""
	run -1 --separate-stderr rec-score -m "$mf/train.tsv" "$mf/test.tsv"
	assert_regex "$stderr" "^rec-score: $mf/train.tsv: "
	run -1 --separate-stderr rec-score -m "$fixtures/st/good.st" "$mf/test.tsv"
	assert_equal "$stderr" "rec-score: $fixtures/st/good.st: missing metadata 'lr'"
}

@test "bad input lines" {
	printf '1\t101\n1\n' > bad.tsv
	run -1 --separate-stderr rec-score -m m.st bad.tsv
	assert_equal "$stderr" "rec-score: bad.tsv:2: expected at least 2 TAB-separated fields, got 1"
	printf '1\tx\n' > bad.tsv
	run -1 --separate-stderr rec-score -m m.st bad.tsv
	assert_equal "$stderr" "rec-score: bad.tsv:1: item 'x' is not a non-negative integer"
}

@test "output faults" {
	run -1 --separate-stderr bash -c "rec-score -m m.st '$mf/test.tsv' > /dev/full"
	assert_equal "$stderr" "rec-score: <stdout>: No space left on device"
	run -1 --separate-stderr bash -c "rec-score -m m.st --top 5 > /dev/full"
	assert_equal "$stderr" "rec-score: <stdout>: No space left on device"
}

@test "ml-latest-small: new users' lists from --history, within 15% of their lists in training" {
	[ -f "$movielens/ratings.csv" ] || skip "no data (scripts/get-movielens)"
	rec-filter --min-item-ratings 20 "$movielens/ratings.csv" |
		rec-split --ratio 0.8 --train seen.tsv --test test.tsv
	# every sixth user (101) is left out of the fit, then given its
	# training ratings at scoring time
	awk -F'\t' '$1 % 6 == 0' seen.tsv > held.tsv
	awk -F'\t' '$1 % 6 != 0' seen.tsv > rest.tsv
	cut -f1 held.tsv | sort -un > users.txt
	awk -F'\t' 'NR == FNR { h[$1] = 1; next } $1 in h' users.txt test.tsv > held-test.tsv
	ndcg() {
		rec-eval -r - --test held-test.tsv --train seen.tsv | awk '$1 == "ndcg@10" { print $2 }'
	}
	for train in "rec-train-ease" "rec-train-ease --seq-weight 32" \
	             "rec-train-mf --loss bpr --dropout 0 --lr 0.002 --reg 0.01 --batch 64 --epochs 20"; do
		$train -q -o in.st seen.tsv
		$train -q -o out.st rest.tsv
		in=$(rec-score -m in.st --top 10 --exclude held.tsv --users users.txt | ndcg)
		out=$(rec-score -m out.st --top 10 --exclude held.tsv --history held.tsv --users users.txt | ndcg)
		echo "# $train: in training $in, new users $out" >&3
		run awk -v a="$in" -v b="$out" 'BEGIN { exit !(b >= 0.85 * a && a > 0.1) }'
		assert_success
	done
}

@test "model files of 0.1.0, before the ranking losses, read and score as then" {
	old="$BATS_TEST_DIRNAME/../fixtures/old-models"
	for m in mf ncf ncf-side lstm agr; do
		run -0 rec-score -m "$old/$m.st" "$mf/test.tsv"
		[ "$output" = "$(cat "$old/$m.pred")" ] || { echo "$m: predictions"; false; }
		run -0 rec-score -m "$old/$m.st" --top 3 --exclude "$mf/train.tsv"
		[ "$output" = "$(cat "$old/$m.top")" ] || { echo "$m: lists"; false; }
	done
}
