#!/usr/bin/env bats
# The fault battery (STYLE.md B.4) over every program in the build: help
# and version to a full disk or a closed stdout, bad usage, a missing or
# directory input.  Each program's own file tests its data faults.
bats_require_minimum_version 1.5.0
load helpers

programs() {
	for p in "$REC_BIN"/rec-*; do basename "$p"; done
}

@test "every program: --help and --version on stdout, exit 0" {
	for p in $(programs); do
		run -0 "$p" --help
		assert_line --index 0 --partial "usage: $p"
		run -0 "$p" --version
		assert_output "$p (recpipe) 0.1.0"
	done
}

@test "every program: --help to a full disk or a closed stdout is an error" {
	for p in $(programs); do
		run -1 --separate-stderr bash -c "$p --help > /dev/full"
		assert_equal "$stderr" "$p: <stdout>: No space left on device"
		run -1 --separate-stderr bash -c "$p --version >&-"
		assert_equal "$stderr" "$p: standard output is closed"
	done
}

@test "every program: an unknown option is a usage error (exit 2)" {
	for p in $(programs); do
		run -2 --separate-stderr "$REC_BIN/$p" --no-such-option
		assert_equal "${stderr_lines[0]}" "$p: unrecognized option '--no-such-option'"
		assert_equal "${stderr_lines[-1]}" "Try '$p --help' for more information."
		assert_equal "$output" ""
	done
}

@test "every program that reads a file: missing file and directory" {
	for p in rec-filter rec-split rec-info rec-train-mf rec-train-ncf rec-train-lstm; do
		args=()
		[ "$p" = rec-split ] && args=(--tag)
		run -1 --separate-stderr "$p" "${args[@]}" nope.tsv
		assert_equal "$stderr" "$p: nope.tsv: No such file or directory"
		run -1 --separate-stderr "$p" "${args[@]}" "$fixtures"
		assert_equal "$stderr" "$p: $fixtures: Is a directory"
	done
}

@test "every program: a closed standard input is an error, not empty input" {
	for p in rec-filter rec-info rec-train-mf; do
		run -1 --separate-stderr bash -c "$p -o out.x <&-"
		assert_equal "$stderr" "$p: standard input is closed"
		[ ! -e out.x ]
	done
}
