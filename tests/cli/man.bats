#!/usr/bin/env bats
# The manual pages: each formats without a warning, and each program's
# page describes exactly the options its --help lists.
bats_require_minimum_version 1.5.0
load helpers

man="$BATS_TEST_DIRNAME/../../man"

@test "every manual page formats without a warning (groff -mdoc -ww)" {
	for page in "$man"/man*/*.[157]; do
		run -0 --separate-stderr groff -mdoc -ww -Tutf8 "$page"
		assert_equal "$stderr" ""
	done
}

# The long options a --help lists (at the start of a line) or a page
# describes (on its .It lines), one a line, sorted.
help_options() {
	"$1" --help | grep -oE '^  (-[a-zA-Z0-9], |    )--[a-z][a-z0-9-]*' |
		grep -o -- '--.*' | sort -u
}
page_options() {
	grep '^\.It' "$1" | grep -o -- 'Fl -[a-z][a-z0-9-]*' | sed 's/Fl -/--/' | sort -u
}

@test "every program's page describes the options of its --help, no more" {
	for p in "$REC_BIN"/rec-*; do
		page="$man/man1/$(basename "$p").1"
		assert [ -f "$page" ]
		run diff <(help_options "$p") <(page_options "$page")
		assert_success
	done
}
