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

# "--name DEFAULT" for each option whose --help entry ends in a default
# in parentheses, and the same from the page: the last parenthesised
# text of the paragraph of the option's .It line.
help_defaults() {
	"$1" --help | python3 -c '
import re, sys
name, text = None, []
def flush():
    m = re.search(r"\(([^()]*)\)$", " ".join(text).strip())
    if name and m:
        print(name, m.group(1))
for line in sys.stdin:
    m = re.match(r"^  (?:-\w, |    )--([a-z][a-z0-9-]*)(?: \S+)?\s*(.*)", line)
    if m or not line.startswith("    "):
        flush()
        name, text = (m.group(1), [m.group(2)]) if m else (None, [])
    elif name:
        text.append(line.strip())
flush()' | sort
}
page_defaults() {
	python3 -c '
import re, sys
name, text = None, []
def flush():
    m = re.search(r"\(([^()]*)\)\.?$", " ".join(text).strip())
    if name and m:
        print(name, m.group(1))
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith(".It") or line.startswith(".El") or line.startswith(".Sh"):
        flush()
        m = re.search(r"Fl -([a-z][a-z0-9-]*)", line) if line.startswith(".It") else None
        name, text = (m.group(1) if m else None), []
    elif name and not line.startswith("."):
        text.append(line)
flush()' "$1" | sort
}

@test "every trainer's page states each option's default as its --help does" {
	for p in "$REC_BIN"/rec-train-*; do
		page="$man/man1/$(basename "$p").1"
		run diff <(help_defaults "$p") <(page_defaults "$page")
		assert_success
	done
}
