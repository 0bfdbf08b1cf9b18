#!/usr/bin/env bats
# The fault battery (STYLE.md B.4) over every program in the build: help
# and version to a full disk or a closed stdout, bad usage, a missing,
# directory or unreadable input, real output to a full disk, a closed
# pipe, a file size limit, kill -9 during -o, -o equal to the input,
# binary output to a terminal, and too little memory.  Each program's own
# file tests its data faults.
bats_require_minimum_version 1.5.0
load helpers

mf="$fixtures/mf"

programs() {
	for p in "$REC_BIN"/rec-*; do basename "$p"; done
}

setup() {
	rec-train-mf -q --dim 2 --epochs 2 -o m.st "$mf/train.tsv"
	rec-train-ncf -q --dim 2 --mlp 4,3,2 --epochs 2 -o n.st \
		--movies "$fixtures/ncf/movies.csv" --tags "$fixtures/ncf/tags.csv" "$mf/train.tsv"
	# a movies.csv with every item of the fixture (101..120)
	{
		echo movieId,title,genres
		for i in $(seq 101 120); do echo "$i,Movie $i,Drama|Comedy"; done
	} > mv.csv
}

# A run of program $1 that reads the file $2 (a ratings stream, or for
# rec-info a model) and writes its usual output on standard output.
# Every program must have one: a new program is added here.  Each output
# is over 1 KiB (the test under ulimit -f 1).
run_of() {
	case $1 in
	rec-filter)    echo "rec-filter $2" ;;
	rec-split)     echo "rec-split --tag $2" ;;
	rec-info)      echo "rec-info --json $2" ;;
	rec-train-mf)  echo "rec-train-mf -q --dim 2 --epochs 2 $2" ;;
	rec-train-ncf) echo "rec-train-ncf -q --dim 2 --mlp 4 --epochs 2 $2" ;;
	rec-score)     echo "rec-score -m m.st $2" ;;
	rec-eval)      echo "rec-eval --per-user --test $mf/test.tsv --train $2 -r top.tsv" ;;
	rec-genres)    echo "rec-genres --movies mv.csv --history $mf/train.tsv --overlap $2" ;;
	rec-graph)     echo "rec-graph $2" ;;
	rec-train-agr) echo "rec-train-agr -q --dim 2 --epochs 2 $2" ;;
	rec-train-lstm) echo "rec-train-lstm -q --dim 2 --hidden 4 --epochs 2 $2" ;;
	rec-train-ease) echo "rec-train-ease -q --lambda 5 $2" ;;
	*)             echo "no run of $1 in faults.bats" >&2; return 1 ;;
	esac
}

# The input run_of $1 needs.
input_of() {
	case $1 in
	rec-info) echo n.st ;;
	rec-eval) rec-score -m m.st --top 3 > top.tsv; echo "$mf/train.tsv" ;;
	rec-genres) rec-score -m m.st --top 3 > top.tsv; echo top.tsv ;;
	*)        echo "$mf/train.tsv" ;;
	esac
}

# Programs whose output is binary (a model).
binary() {
	case $1 in rec-train-* | rec-graph) return 0 ;; esac
	return 1
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

@test "every trainer: --patience needs --valid, one standard input, -o is not --log" {
	for p in $(programs); do
		case $p in rec-train-*) ;; *) continue ;; esac
		[ $p = rec-train-ease ] ||   # a closed form: no --patience
			run -2 --separate-stderr $p --patience 3 -o x.st "$mf/train.tsv"
		[ $p = rec-train-ease ] ||
			assert_equal "${stderr_lines[0]}" "$p: --patience needs --valid FILE"
		run -2 --separate-stderr $p --valid - -o x.st
		assert_equal "${stderr_lines[0]}" "$p: only one input can be standard input"
		run -2 --separate-stderr $p --log ./x.st -o x.st "$mf/train.tsv"
		assert_equal "${stderr_lines[0]}" "$p: -o and --log name the same file (./x.st)"
		assert [ ! -e x.st ]
	done
}

@test "every trainer: --log shows each epoch as it ends, and stays after a kill" {
	for p in $(programs); do
		case $p in rec-train-ease) continue ;; rec-train-*) ;; *) continue ;; esac
		rm -f log.tsv
		$p -q --dim 2 --epochs 100000 --log log.tsv -o x.st "$mf/train.tsv" &
		local pid=$! tries=0
		while [ "$(cat log.tsv 2>/dev/null | wc -l)" -lt 3 ] && [ $tries -lt 600 ]; do
			sleep 0.05
			tries=$((tries + 1))
		done
		# the run goes on, and two epochs are in the log already
		run kill -0 $pid
		assert_success
		kill -TERM $pid
		wait $pid || true
		assert [ "$(wc -l < log.tsv)" -ge 3 ]
		assert [ ! -e x.st ]
	done
}

@test "every program that reads a file: missing file and directory" {
	for p in rec-filter rec-split rec-info rec-train-mf rec-train-ncf rec-genres \
	         rec-graph rec-train-agr rec-train-lstm rec-train-ease; do
		args=()
		[ "$p" = rec-split ] && args=(--tag)
		[ "$p" = rec-genres ] && args=(--movies "$fixtures/genres/movies.csv")
		run -1 --separate-stderr "$p" "${args[@]}" nope.tsv
		assert_equal "$stderr" "$p: nope.tsv: No such file or directory"
		run -1 --separate-stderr "$p" "${args[@]}" "$fixtures"
		assert_equal "$stderr" "$p: $fixtures: Is a directory"
	done
}

@test "every program: a closed standard input is an error, not empty input" {
	for p in rec-filter rec-info rec-train-mf rec-genres rec-graph rec-train-agr \
	         rec-train-lstm rec-train-ease; do
		args=
		[ "$p" = rec-genres ] && args="--movies $fixtures/genres/movies.csv"
		run -1 --separate-stderr bash -c "$p $args -o out.x <&-"
		assert_equal "$stderr" "$p: standard input is closed"
		[ ! -e out.x ]
	done
}

@test "every program: its real output to a full disk or a closed stdout" {
	for p in $(programs); do
		cmd=$(run_of "$p" "$(input_of "$p")")
		run -1 --separate-stderr bash -c "$cmd > /dev/full"
		assert_equal "$stderr" "$p: <stdout>: No space left on device"
		run -1 --separate-stderr bash -c "$cmd >&-"
		assert_equal "$stderr" "$p: standard output is closed"
	done
}

@test "every program: a reader that stops early (| head) ends it quietly" {
	# A pipe closed before the output is done: 0 if it all fitted in the
	# pipe, else killed by SIGPIPE (141); never a message.
	for p in $(programs); do
		binary "$p" && continue
		cmd=$(run_of "$p" "$(input_of "$p")")
		run --separate-stderr bash -c "set -o pipefail; $cmd | head -c 1 > /dev/null"
		[[ $status = 0 || $status = 141 ]] || fail "$p: exit $status"
		assert_equal "$stderr" ""
	done
	awk 'BEGIN { for (i = 0; i < 100000; i++) print i % 97 "\t" i "\t3\t" i }' > big.tsv
	run -141 --separate-stderr bash -c "set -o pipefail; rec-filter big.tsv | head -n 1"
	assert_equal "$stderr" ""
}

@test "every program: an input it cannot read is an error" {
	# Reading /proc/self/mem at offset 0 fails with EIO, even for root.
	[ -r /proc/self/mem ] || skip "no /proc/self/mem"
	for p in $(programs); do
		[ "$p" = rec-eval ] && continue   # reads named options only
		cmd=$(run_of "$p" /proc/self/mem)
		run -1 --separate-stderr $cmd
		assert_equal "$stderr" "$p: /proc/self/mem: Input/output error"
	done
	if [ "$(id -u)" != 0 ]; then
		cp "$mf/train.tsv" locked.tsv
		chmod 000 locked.tsv
		for p in $(programs); do
			[ "$p" = rec-eval ] && continue
			run -1 --separate-stderr $(run_of "$p" locked.tsv)
			assert_equal "$stderr" "$p: locked.tsv: Permission denied"
		done
	fi
}

@test "every program: -o under a file size limit keeps the old file" {
	for p in $(programs); do
		cmd=$(run_of "$p" "$(input_of "$p")")
		echo old > out.x
		# 1 KiB: the message to stderr (a file here) still fits
		run --separate-stderr bash -c "ulimit -f 1; trap '' XFSZ; $cmd -o out.x"
		assert_equal "$p: $status" "$p: 1"
		assert_equal "$stderr" "$p: out.x: File too large"
		assert_equal "$(cat out.x)" old
		run ls -A
		refute_output --partial '.out.x.'
	done
}

@test "every program: kill -9 during -o keeps the old file" {
	# The input is a FIFO that stays open, so each program is caught in
	# the middle of its run; the output may only replace out.x at the end.
	for p in $(programs); do
		[[ $p = rec-info || $p = rec-eval ]] && continue   # read all first: covered by the -o tests
		cmd=$(run_of "$p" in.fifo)
		rm -f in.fifo
		mkfifo in.fifo
		echo old > out.x
		exec 7<> in.fifo   # bats owns 3
		head -n 20 "$(input_of "$p")" >&7
		$cmd -o out.x &
		pid=$!
		sleep 0.3
		kill -9 $pid
		rc=0
		wait $pid || rc=$?
		exec 7>&-
		assert_equal "$rc" 137
		assert_equal "$(cat out.x)" old
	done
}

@test "every program: -o equal to the input replaces it with the output" {
	for p in $(programs); do
		[[ $p = rec-eval ]] && continue
		in=$(input_of "$p")
		cp "$in" same.x
		$(run_of "$p" "$in") > want.x
		run -0 --separate-stderr $(run_of "$p" same.x) -o same.x
		cmp same.x want.x || fail "$p: -o equal to the input"
	done
}

@test "every program with binary output: refuses a terminal" {
	command -v script > /dev/null || skip "no script(1)"
	for p in $(programs); do
		binary "$p" || continue
		run script -qec "$(run_of "$p" "$(input_of "$p")")" /dev/null
		assert_equal "$status" 2
		assert_output --partial "$p: refusing to write binary data to a terminal; use -o FILE"
	done
}

@test "every program that holds its input: too little memory is a clear error" {
	# Under ASan (which reserves terabytes of address space) ulimit -v
	# cannot work.  One OpenBLAS thread: OpenBLAS spins forever when it
	# cannot start its threads (seen under ulimit -v 60000).
	export OPENBLAS_NUM_THREADS=1
	if ldd "$REC_BIN/rec-filter" | grep -q libasan; then
		skip "AddressSanitizer build"
	fi
	# Two million distinct ratings (37 MB); the limit is what the program
	# needs to start plus 16 MiB, so reading the input runs out (a table
	# without times, rec-train-mf's, takes 12 bytes a rating).
	awk 'BEGIN { for (i = 0; i < 2000000; i++) print int(i / 200) "\t" i % 200 * 7 "\t3\t" i }' > big.tsv
	base=$(for kb in $(seq 20000 4096 400000); do
		(ulimit -v $kb; timeout 10 rec-filter --version) > /dev/null 2>&1 &&
			{ echo $kb; break; }
	done)
	[ -n "$base" ] || fail "rec-filter --version does not start under 400 MB"
	for p in $(programs); do
		[[ $p = rec-info ]] && continue
		cmd=$(run_of "$p" big.tsv)
		if [ "$p" = rec-score ]; then
			# it keeps only the exclusions of its users and items (8
			# bytes each): two million of the training set's rows
			awk -F'\t' '{ u[NR] = $1; i[NR] = $2 } END {
				for (j = 0; j < 2000000; j++)
					print u[j % NR + 1] "\t" i[j % NR + 1] "\t3\t" j }' \
				"$mf/train.tsv" > ex.tsv
			cmd="rec-score -m m.st --top 3 --exclude ex.tsv"
		fi
		if [ "$p" = rec-eval ]; then
			awk '{ print $0 "\t3.5" }' big.tsv > preds.tsv
			cmd="rec-eval -p preds.tsv"
		fi
		if [ "$p" = rec-genres ]; then
			awk '{ n = NR - 1; print int(n / 10) "\t" n % 10 + 1 "\t" 101 + n % 20 "\t3.5" }' big.tsv > lists.tsv
			cmd="rec-genres --movies mv.csv lists.tsv"
		fi
		run -1 --separate-stderr bash -c "ulimit -v $((base + 16384)); $cmd -o out.x"
		assert_regex "$stderr" "^$p: ([^ ]*: )?out of memory\$"
		[ ! -e out.x ]
	done
}
