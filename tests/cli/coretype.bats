#!/usr/bin/env bats
# The neural models' bytes do not depend on which kernel OpenBLAS picks:
# NCF, the LSTM and AttnGraphRec write the same file under every
# OPENBLAS_CORETYPE this CPU runs (the README's promise on bytes).
bats_require_minimum_version 1.5.0
load helpers

mf="$BATS_TEST_DIRNAME/../fixtures/mf"

@test "NCF, LSTM and AttnGraphRec: the same bytes under every OpenBLAS core type" {
	local types=() t m
	# Prescott (SSE3: "pni"), Sandybridge (AVX), Haswell (AVX2, FMA), SkylakeX
	# (AVX-512): those whose instructions this CPU has
	for t in Prescott:pni Sandybridge:avx Haswell:avx2 SkylakeX:avx512f; do
		grep -qw "${t#*:}" /proc/cpuinfo && types+=("${t%:*}")
	done
	[ "${#types[@]}" -ge 2 ] || skip "fewer than two OpenBLAS core types run here"
	for t in "${types[@]}"; do
		# Debian's OpenBLAS picks its kernels when it loads, as told
		run -0 env OPENBLAS_VERBOSE=2 OPENBLAS_CORETYPE="$t" rec-train-ncf --version
		assert_line "Core: $t"
		for m in ncf lstm agr; do
			OPENBLAS_CORETYPE="$t" rec-train-$m -q --epochs 2 --seed 3 \
				-o "$m-$t.st" "$mf/train.tsv"
		done
		OPENBLAS_CORETYPE="$t" rec-train-ncf -q --epochs 2 --seed 3 \
			--movies "$fixtures/ncf/movies.csv" --tags "$fixtures/ncf/tags.csv" \
			--tag-vocab 3 -o "side-$t.st" "$mf/train.tsv"
	done
	for m in ncf side lstm agr; do
		for t in "${types[@]:1}"; do
			cmp "$m-${types[0]}.st" "$m-$t.st"
		done
	done
}
