#!/usr/bin/env bats
# rec-graph: the graph file, --stats against counts made with awk (on the
# fixture and on a generated input), --dot, errors.
bats_require_minimum_version 1.5.0
load helpers

mf="$BATS_TEST_DIRNAME/../fixtures/mf"

# The --stats table of a ratings file, counted with awk and sort: users,
# items, edges, density, sparsity, and each side's degree min, median,
# mean, max and Gini (over the degrees sorted ascending, j = 1..n:
# sum (2j - n - 1) x_j / (n sum x)); the sample taking every node.
awk_stats() {
	awk -F'\t' '{ u[$1]++; i[$2]++; n++ }
		END { nu = 0; ni = 0
			for (k in u) nu++
			for (k in i) ni++
			printf "stat\tvalue\nusers\t%d\nitems\t%d\nedges\t%d\n", nu, ni, n
			printf "density\t%.6f\nsparsity\t%.6f\n", n / (nu * ni), 1 - n / (nu * ni) }' "$1"
	for side in 1:user 2:item; do
		cut -f"${side%%:*}" "$1" | sort | uniq -c | awk '{ print $1 }' | sort -n |
		awk -v s="${side#*:}" '{ x[NR] = $1; sum += $1 }
			END { n = NR
				med = n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
				for (j = 1; j <= n; j++) g += (2 * j - n - 1) * x[j]
				printf "%s_degree_min\t%d\n%s_degree_median\t%g\n", s, x[1], s, med
				printf "%s_degree_mean\t%.6f\n%s_degree_max\t%d\n", s, sum / n, s, x[n]
				printf "%s_degree_gini\t%.6f\n", s, g / (n * sum) }'
	done
	awk -F'\t' '{ u[$1]++; i[$2]++; n++ }
		END { nu = 0; ni = 0
			for (k in u) nu++
			for (k in i) ni++
			printf "sample_users\t%d\nsample_items\t%d\nsample_edges\t%d\n", nu, ni, n
			printf "sample_sparsity\t%.6f\n", 1 - n / (nu * ni) }' "$1"
}

@test "--help and --version" {
	run -0 rec-graph --help
	assert_line --index 0 --partial 'usage: rec-graph'
	assert_output --partial '--sample-items N'
	run -0 rec-graph --version
	assert_output 'rec-graph (recpipe) 0.1.0'
}

@test "bad usage exits 2, writes nothing" {
	for bad in '--weight x' '--sample-users 0' '--sample-items -1' '--seed x' '--nope'; do
		run -2 rec-graph $bad -o g.st "$mf/train.tsv"
		assert [ ! -e g.st ]
	done
	run -2 --separate-stderr rec-graph --weight stars -o g.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-graph: --weight 'stars' is not binary or rating"
	run -2 --separate-stderr rec-graph -o g.st "$mf/train.tsv" "$mf/test.tsv"
	assert_equal "${stderr_lines[0]}" "rec-graph: more than one input file"
	run -2 --separate-stderr rec-graph -o g.st --dot ./g.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-graph: -o and --dot name the same file (./g.st)"
	assert [ ! -e g.st ]
	# a graph is binary: not to a terminal
	if command -v script > /dev/null; then
		run script -qec "rec-graph $mf/train.tsv" /dev/null
		assert_equal "$status" 2
		assert_output --partial 'refusing to write binary data to a terminal'
	fi
}

@test "--stats agrees with awk on the fixture" {
	run -0 rec-graph --stats --sample-users 1000 --sample-items 1000 "$mf/train.tsv"
	assert_output "$(awk_stats "$mf/train.tsv")"
	# nothing else is written: no graph on standard output
	assert_equal "${#lines[@]}" 20
}

@test "--stats agrees with awk on a generated input" {
	# 300 users with a skewed number of ratings over 80 items
	awk 'BEGIN { srand(7); OFS = "\t"
		for (u = 1; u <= 300; u++) {
			k = 1 + int(40 * rand() ^ 3)
			for (j = 0; j < k; j++) seen[u, 1 + int(80 * rand() ^ 2)] = 1
		}
		for (p in seen) { split(p, a, SUBSEP); print a[1] * 3, a[2] + 1000, 1 + int(5 * rand()), 0 } }' > gen.tsv
	run -0 rec-graph --stats --sample-users 400 --sample-items 100 gen.tsv
	assert_output "$(awk_stats gen.tsv)"
	# a real sample: 50 of the users, 20 of the items, distinct, and the
	# edges among them those of the drawing
	run -0 rec-graph --stats --sample-users 50 --sample-items 20 --seed 3 --dot s.dot gen.tsv
	assert_line "$(printf 'sample_users\t50')"
	assert_line "$(printf 'sample_items\t20')"
	edges=$(awk -F'\t' '$1 == "sample_edges" { print $2 }' <<< "$output")
	assert_equal "$(grep -c ' -- ' s.dot)" "$edges"
	assert_equal "$(grep -c '^	u[0-9]* \[' s.dot)" 50
	assert_equal "$(grep -c '^	m[0-9]* \[' s.dot)" 20
	# each drawn edge is a rating
	run -0 bash -c "sed -n 's/^	u\([0-9]*\) -- m\([0-9]*\);$/\1	\2/p' s.dot | sort > e.tsv
		cut -f1,2 gen.tsv | sort > r.tsv; comm -23 e.tsv r.tsv | wc -l"
	assert_output 0
	# the same seed, the same sample; another seed, another
	rec-graph --dot t.dot --sample-users 50 --sample-items 20 --seed 3 gen.tsv
	cmp s.dot t.dot
	rec-graph --dot t.dot --sample-users 50 --sample-items 20 --seed 4 gen.tsv
	! cmp -s s.dot t.dot
}

@test "the graph file: rec-info, a plain Python reader, the normalisation" {
	rec-graph -o g.st "$mf/train.tsv"
	run -0 rec-info g.st
	assert_line "$(printf 'meta\tformat\trec-graph/1')"
	assert_line "$(printf 'meta\tweight\tbinary')"
	assert_line "$(printf 'meta\tusers\t30')"
	assert_line "$(printf 'meta\titems\t20')"
	assert_line "$(printf 'meta\tedges\t300')"
	assert_line "$(printf 'tensor\tindptr\tI64\t51\t408')"
	assert_line "$(printf 'tensor\tindices\tI64\t600\t4800')"
	assert_line "$(printf 'tensor\tvalues\tF32\t600\t2400')"
	assert_line "$(printf 'tensor\tdegree\tF32\t50\t200')"
	# standard output gives the same bytes
	rec-graph < "$mf/train.tsv" > h.st
	cmp g.st h.st
	# every value is 1 / sqrt(d_r d_c), every row's columns increase
	python3 "$fixtures/st/make-fixtures.py" --read g.st > dump.tsv
	run -0 awk -F'\t' '$1 == "values" { n = split($3, v, " ")
			for (j = 1; j <= n; j++) val[$2, j - 1] = v[j]; len[$2] = n }
		END { for (r = 0; r < len["degree"]; r++)
				for (e = val["indptr", r]; e < val["indptr", r + 1]; e++) {
					c = val["indices", e]
					want = 1 / sqrt(val["degree", r] * val["degree", c])
					if ((val["values", e] - want) ^ 2 > 1e-12) bad++
					if (e > val["indptr", r] && c <= val["indices", e - 1]) bad++
				}
			print bad + 0 }' dump.tsv
	assert_output 0
	rec-graph --weight rating -o w.st "$mf/train.tsv"
	assert_equal "$(rec-info w.st | awk '$2 == "weight" { print $3 }')" rating
	# a graph is not a model
	run -1 --separate-stderr rec-score -m g.st "$mf/test.tsv"
	assert_equal "$stderr" "rec-score: g.st: format is 'rec-graph/1', expected 'rec-model/1'"
}

@test "--dot renders with Graphviz" {
	command -v dot >/dev/null || skip "no Graphviz dot"
	rec-graph --dot s.dot --sample-users 10 --sample-items 30 "$mf/train.tsv"
	dot -Tpng -o s.png s.dot
	run -0 head -c 4 s.png
	assert_output --partial PNG
}

@test "bad input: exit 1, the line named, nothing written" {
	printf '1\t2\t3\t0\n1\t2\t4\t0\n' > dup.tsv
	run -1 --separate-stderr rec-graph -o g.st dup.tsv
	assert_regex "$stderr" '^rec-graph: dup.tsv:2: .*1.*2'
	printf '1\t2\tx\t0\n' > bad.tsv
	run -1 --separate-stderr rec-graph --stats bad.tsv
	assert_regex "$stderr" '^rec-graph: bad.tsv:1: '
	: > empty.tsv
	run -1 --separate-stderr rec-graph -o g.st empty.tsv
	assert_equal "$stderr" "rec-graph: empty.tsv: empty input"
	assert [ ! -e g.st ]
	run ls -A
	refute_output --partial '.g.st.'
}

@test "a full disk: exit 1" {
	run -1 --separate-stderr bash -c "rec-graph '$mf/train.tsv' > /dev/full"
	assert_equal "$stderr" "rec-graph: <stdout>: No space left on device"
	run -1 --separate-stderr bash -c "rec-graph --stats '$mf/train.tsv' > /dev/full"
	assert_equal "$stderr" "rec-graph: <stdout>: No space left on device"
}
