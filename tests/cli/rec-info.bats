#!/usr/bin/env bats
# rec-info: output of good files (TSV and JSON), interoperability with a
# plain Python reader and writer, every reader rule's message, faults.
bats_require_minimum_version 1.5.0
load helpers

st="$BATS_TEST_DIRNAME/../fixtures/st"

# Assert that rec-info FIXTURE fails with exactly "rec-info: FIXTURE: $2"
# and writes nothing.  The fixture is copied here, so that the message
# names it as the user would.
fails_with() {
	cp "$st/$1" .
	run -1 --separate-stderr rec-info "$1"
	assert_equal "$stderr" "rec-info: $1: $2"
	assert_equal "$output" ""
}

good_tsv='meta	format	rec-model/1
meta	model	mf
meta	k	2
meta	crc32	6864bc87
tensor	user_ids	I64	3	24
tensor	item_ids	I64	2	16
tensor	P	F32	3x2	24
tensor	Q	F32	2x2	16
tensor	mu	F32	scalar	4'

@test "--help and --version" {
	run -0 rec-info --help
	assert_line --index 0 'usage: rec-info [--json] [-o FILE] [FILE]'
	assert_output --partial '--json'
	run -0 rec-info -h
	assert_line --index 0 --partial 'usage: rec-info'
	run -0 rec-info --version
	assert_output 'rec-info (recpipe) 0.1.0'
	run -0 rec-info -V
	assert_output 'rec-info (recpipe) 0.1.0'
}

@test "bad usage exits 2 with the usage" {
	run -2 --separate-stderr rec-info --nope
	assert_equal "$output" ""
	assert_equal "${stderr_lines[1]}" 'usage: rec-info [--json] [-o FILE] [FILE]'
	assert_equal "${stderr_lines[-1]}" "Try 'rec-info --help' for more information."
	run -2 --separate-stderr rec-info "$st/good.st" "$st/good.st"
	assert_equal "${stderr_lines[0]}" "rec-info: more than one input file"
	run -2 rec-info -o
}

@test "a good model: TSV, from a file, from standard input, with -" {
	run -0 --separate-stderr rec-info "$st/good.st"
	assert_output "$good_tsv"
	assert_equal "$stderr" ""
	run -0 bash -c 'rec-info < "$1"' _ "$st/good.st"
	assert_output "$good_tsv"
	run -0 bash -c 'cat "$1" | rec-info -' _ "$st/good.st"
	assert_output "$good_tsv"
}

@test "--json" {
	run -0 rec-info --json "$st/good.st"
	assert_output '{"metadata":{"format":"rec-model/1","model":"mf","k":"2","crc32":"6864bc87"},"tensors":[{"name":"user_ids","dtype":"I64","shape":[3],"bytes":24},{"name":"item_ids","dtype":"I64","shape":[2],"bytes":16},{"name":"P","dtype":"F32","shape":[3,2],"bytes":24},{"name":"Q","dtype":"F32","shape":[2,2],"bytes":16},{"name":"mu","dtype":"F32","shape":[],"bytes":4}]}'
	# Valid JSON for another parser, too.
	rec-info --json "$st/foreign.st" > f.json
	run -0 python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["metadata"]["note"], d["tensors"][0]["shape"])' f.json
	assert_output $'tab\there [2]'
}

@test "-o FILE writes the file" {
	run -0 rec-info -o info.tsv "$st/good.st"
	assert_output ""
	assert_equal "$(cat info.tsv)" "$good_tsv"
}

@test "a file from another writer: spaced JSON, odd offsets, escapes" {
	run -0 rec-info "$st/foreign.st"
	assert_output 'meta	format	rec-graph/1
meta	note	tab\there
tensor	ids	I64	2	16
tensor	w	F32	3	12'
	run -0 rec-info "$st/empty.st"
	assert_output ""
}

@test "interoperability: a plain Python reader and writer (json + struct)" {
	# The Python reader reads our fixtures and prints what rec-info prints.
	# good.st is byte-identical to rec_st_write's output (unit test
	# st_write_golden), so this is Python reading our writer.
	for f in good.st foreign.st; do
		run -0 python3 "$st/make-fixtures.py" --read "$st/$f"
		assert_equal "$(grep -v '^values' <<< "$output")" "$(rec-info "$st/$f")"
	done
	run -0 python3 "$st/make-fixtures.py" --read "$st/good.st"
	assert_line 'values	P	0.5 -1.25 2.0 0.0 1.5 -0.75'
	assert_line 'values	user_ids	1 5 42'
	# The Python writer regenerates every fixture byte for byte, and
	# rec-info reads what it writes.
	mkdir gen
	python3 "$st/make-fixtures.py" gen
	for f in "$st"/*.st; do
		cmp "$f" "gen/${f##*/}"
	done
	run -0 rec-info gen/good.st
	assert_output "$good_tsv"
}

@test "the size of the file and of the header" {
	fails_with short.st 'truncated: shorter than the 8-byte header length'
	fails_with hdr-huge.st 'header length 4294967296 exceeds the file size (16)'
	fails_with hdr-cut.st 'truncated: header ends at byte 384, file has 383'
	: > zero.st
	run -1 --separate-stderr rec-info zero.st
	assert_equal "$stderr" 'rec-info: zero.st: truncated: shorter than the 8-byte header length'
	run -1 --separate-stderr bash -c 'head -c 100 "$1" | rec-info' _ "$st/good.st"
	assert_equal "$stderr" 'rec-info: <stdin>: header length 376 exceeds the file size (100)'
	assert_equal "$output" ""
}

@test "the header JSON" {
	fails_with not-object.st "bad header: does not start with '{'"
	fails_with not-json.st "bad header: invalid token near 'nope' at byte 18"
	fails_with not-utf8.st "bad header: unable to decode byte 0xff near '\"' at byte 10"
	fails_with dup-key.st "bad header: duplicate object key near '\"P\"'"
	fails_with meta-object.st '__metadata__ is not an object'
	fails_with meta-string.st "metadata 'k' is not a string"
}

@test "the tensor entries" {
	fails_with tensor-object.st "tensor 'P': not an object"
	fails_with field-unknown.st "tensor 'P': unknown field 'foo'"
	fails_with field-missing.st "tensor 'P': missing field 'shape'"
	fails_with dtype-f64.st "tensor 'P': dtype F64 not supported (F32, I64)"
	fails_with name-long.st "tensor name '$(printf 'n%.0s' {1..64})' is longer than 63 bytes"
	fails_with shape-5d.st "tensor 'P': shape has 5 dimensions, at most 4 are supported"
	fails_with shape-negative.st "tensor 'P': shape is not a list of non-negative integers"
	fails_with offsets-bad.st "tensor 'P': data_offsets is not [begin, end] with non-negative integers"
	fails_with offsets-reversed.st "tensor 'P': data_offsets [24, 0) end before they begin"
	fails_with size-overflow.st "tensor 'P': shape [1099511627776, 1099511627776] size overflows"
	fails_with size-mismatch.st "tensor 'P': shape [3, 2] F32 needs 24 bytes, range holds 20"
}

@test "the data ranges and the file length" {
	fails_with not-at-zero.st "tensor 'P': data_offsets [4, 28) do not start at 0"
	fails_with gap.st "tensor 'Q': data_offsets [28, 36) do not follow the previous tensor (ends at 24)"
	fails_with overlap.st "tensor 'Q': data_offsets [20, 28) do not follow the previous tensor (ends at 24)"
	fails_with data-cut.st "truncated: tensor 'mu' ends at byte 468, file has 467"
	fails_with trailing.st '1 byte after the last tensor'
}

@test "the data: checksum and non-finite values" {
	fails_with crc-mismatch.st 'checksum mismatch (metadata crc32 6864bc87, data 69a6d6b0)'
	fails_with crc-format.st "metadata 'crc32' = 'ABCDEF01' is not 8 lowercase hex digits"
	fails_with nonfinite.st "tensor 'P' has non-finite values"
}

@test "every cut of a good file fails cleanly" {
	size=$(wc -c < "$st/good.st")
	for k in 0 7 8 100 383 384 400 467; do
		head -c "$k" "$st/good.st" > cut.st
		run -1 --separate-stderr rec-info cut.st
		assert_equal "$output" ""
		[[ "$stderr" == "rec-info: cut.st: "* ]]
		[ "${#stderr_lines[@]}" -eq 1 ]
	done
	[ "$size" -eq 468 ]
}

@test "faults: missing file, directory, full disk, closed stdout" {
	run -1 --separate-stderr rec-info nope.st
	assert_equal "$stderr" 'rec-info: nope.st: No such file or directory'
	run -1 --separate-stderr rec-info "$st"
	assert_equal "$stderr" "rec-info: $st: Is a directory"
	run -1 --separate-stderr bash -c 'rec-info "$1" > /dev/full' _ "$st/good.st"
	assert_equal "$stderr" 'rec-info: <stdout>: No space left on device'
	run -1 bash -c 'rec-info --json "$1" > /dev/full' _ "$st/good.st"
	run -1 bash -c 'rec-info --help > /dev/full'
	run -1 --separate-stderr bash -c 'rec-info "$1" >&-' _ "$st/good.st"
	assert_equal "$stderr" 'rec-info: standard output is closed'
	run -1 --separate-stderr bash -c 'rec-info <&-'
	assert_equal "$stderr" 'rec-info: standard input is closed'
}
