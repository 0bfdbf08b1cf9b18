#!/usr/bin/env bats
# The shell parts of examples/paper on hand-computed cases: the
# popularity baseline and the aggregation of runs into results.tsv.
# (make check also runs make -n on every example's Makefile.)
bats_require_minimum_version 1.5.0
load helpers

paper="$BATS_TEST_DIRNAME/../../examples/paper"

@test "popularity: the most-rated unseen items, ties by item id" {
	# tests/fixtures/genres/hist.tsv: items 1, 2, 3, 5, 6 rated once each;
	# user 7 rated 1, 6, 5; user 8 rated 2, 3.
	run -0 "$paper/popularity" 2 "$fixtures/genres/hist.tsv"
	assert_output "$(printf '%s\n' $'7\t1\t2\t1' $'7\t2\t3\t1' $'8\t1\t1\t1' $'8\t2\t5\t1')"
	# Item 3 rated by two users leads; a user who rated it gets the next.
	printf '1\t3\t4\t0\n2\t3\t4\t0\n2\t9\t1\t0\n3\t7\t5\t0\n' > r.tsv
	run -0 "$paper/popularity" 1 r.tsv
	assert_output "$(printf '%s\n' $'1\t1\t7\t1' $'2\t1\t7\t1' $'3\t1\t3\t2')"
	# The lists are valid input for rec-genres and rec-eval.
	run -0 rec-genres --movies "$fixtures/genres/movies.csv" \
		<("$paper/popularity" 2 "$fixtures/genres/hist.tsv")
}

@test "aggregate: mean and sample sd a model, in the order given" {
	mkdir runs
	printf 'metric\tvalue\nrmse\t1\ntrain_seconds\t2\n' > runs/a-1.eval
	printf 'metric\tvalue\nrmse\t3\ntrain_seconds\t4\n' > runs/a-2.eval
	printf 'metric\tvalue\nprecision@10\t0.5\ntrain_seconds\t1\n' > runs/b-1.eval
	run -0 "$paper/aggregate" b a -- runs/a-1.eval runs/b-1.eval runs/a-2.eval
	# a: rmse 1 and 3: mean 2, sd sqrt(2); b: one run, no sd.
	assert_output "$(printf '%s\n' \
		$'model\truns\trmse\trmse_sd\tprecision@10\tprecision@10_sd\ttrain_seconds\ttrain_seconds_sd' \
		$'b\t1\t-\t-\t0.500000\t-\t1.000000\t-' \
		$'a\t2\t2.000000\t1.414214\t-\t-\t3.000000\t1.414214')"
}

@test "show: a column the results lack (no rating model run) shows as -" {
	mkdir o
	printf 'model\truns\tndcg@10\nease\t1\t0.154321\n' > o/results.tsv
	run -0 make -s --no-print-directory -C "$paper" show OUT="$PWD/o" \
		-o "$PWD/o/results.tsv" SHOW='model rmse ndcg@10'
	assert_output "$(printf '%-10s%-15s%-15s\n' model rmse ndcg@10 ease - 0.1543)"
}

@test "models figure: with ranking models only, the ranking panel alone" {
	command -v gnuplot >/dev/null || skip "gnuplot is not installed"
	mkdir o
	{
		printf 'model\truns\trmse\trmse_sd\tmae\tmae_sd'
		printf '\tprecision@10\tprecision@10_sd\trecall@10\trecall@10_sd'
		printf '\tndcg@10\tndcg@10_sd\n'
		printf 'ease\t1\t-\t-\t-\t-\t0.12\t-\t0.11\t-\t0.15\t-\n'
		printf 'mf-bpr\t3\t-\t-\t-\t-\t0.10\t0.01\t0.09\t0.01\t0.13\t0.01\n'
	} > o/results.tsv
	run -0 make -s --no-print-directory -C "$paper" "$PWD/o/figures/models.svg" \
		OUT="$PWD/o" -o "$PWD/o/results.tsv"
	# One panel: the ranking one, without the rating one's title.
	run -0 grep -c 'full ranking @10' o/figures/models.svg
	run -1 grep -c 'rating error' o/figures/models.svg
}
