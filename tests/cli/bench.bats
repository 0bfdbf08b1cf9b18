#!/usr/bin/env bats
# bench/learned and bench/baselines: the check that a benchmark's model
# learned (its held-out RMSE at least 2% below the bias model's, or the
# global mean's where that is lower).
bats_require_minimum_version 1.5.0
load helpers

bench="$BATS_TEST_DIRNAME/../../bench"
mf="$BATS_TEST_DIRNAME/../fixtures/mf"

@test "bench/learned: 2% below the bias model (or a better global mean) is learning" {
	run -0 "$bench/learned" 0.554 0.6245
	assert_output "learned: 11.29% below the bias model"
	run -0 "$bench/learned" 0.98 1
	assert_output "learned: 2.00% below the bias model"
	run -0 "$bench/learned" 0.9801 1
	assert_output "failed to learn: 1.99% below the bias model, not 2% below"
	run -0 "$bench/learned" 0.6243 0.6219
	assert_output "failed to learn: 0.39% above the bias model, not 2% below"
	# the global mean is the bar where the bias model does worse
	run -0 "$bench/learned" 0.6198 0.6409 0.6187
	assert_output "failed to learn: 0.18% above the global mean, not 2% below"
	run -0 "$bench/learned" 0.5718 0.6247 0.6219
	assert_output "learned: 8.06% below the global mean"
	run -0 "$bench/learned" 0.8418 0.8561 1.0140
	assert_output "failed to learn: 1.67% below the bias model, not 2% below"
	for bad in '' '1' '1 2 3 4' 'x 1' '1 -1' '1 0' '1 1e3' '1 1 x' '1 1 0'; do
		run -2 "$bench/learned" $bad
	done
}

@test "bench/baselines: the global mean and the bias model on one split" {
	run -0 "$bench/baselines" "$(dirname "$REC_BIN")" "$mf/train.tsv" "$mf/test.tsv" --epochs 3
	mean=$(awk -F'\t' 'NR == FNR { s += $3; n++; next }
		{ d = $3 - s / n; e += d * d; m++ } END { printf "%.4f", sqrt(e / m) }' \
		"$mf/train.tsv" "$mf/test.tsv")
	rec-train-mf -q --epochs 3 --dim 0 -o b.st "$mf/train.tsv"
	bias=$(rec-score -m b.st "$mf/test.tsv" | rec-eval -p - |
		awk -F'\t' '$1 == "rmse" { printf "%.4f", $2 }')
	assert_output "$(printf '%s\t%s' "$mean" "$bias")"
	run -2 "$bench/baselines" "$(dirname "$REC_BIN")" "$mf/train.tsv"
}
