#!/usr/bin/env bats
# rec-train-ncf: training with and without side features, the model file,
# scoring, reproducibility, logs, errors.
bats_require_minimum_version 1.5.0
load helpers

mf="$BATS_TEST_DIRNAME/../fixtures/mf"
ncf="$BATS_TEST_DIRNAME/../fixtures/ncf"

# Small and fast: the whole file runs in well under a second of training.
small=(--dim 4 --mlp '8,4' --side-dim 4)
side=(--movies "$ncf/movies.csv" --tags "$ncf/tags.csv" --tag-vocab 3)

@test "--help and --version" {
	run -0 rec-train-ncf --help
	assert_line --index 0 --partial 'usage: rec-train-ncf'
	assert_output --partial '--tag-vocab N'
	assert_output --partial '--refit'
	run -0 rec-train-ncf --version
	assert_output 'rec-train-ncf (recpipe) 0.1.0'
}

@test "bad usage exits 2, writes nothing" {
	for bad in '--mlp 0' '--mlp 1,2,3,4,5' '--mlp x' '--mlp 8,' \
	           '--threads 0' '--tag-vocab -1' '--dropout 1' '--dim 0' \
	           '--side-dim 0' '--refit' '--nope'; do
		run -2 rec-train-ncf $bad -o m.st "$mf/train.tsv"
		assert [ ! -e m.st ]
	done
	run -2 --separate-stderr rec-train-ncf --mlp 1,2,3,4,5 -o m.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-ncf: --mlp '1,2,3,4,5' is not 1 to 4 widths, each an integer in [1, 4096]"
	assert_equal "${stderr_lines[-1]}" "Try 'rec-train-ncf --help' for more information."
	run -2 --separate-stderr rec-train-ncf --mlp 0 -o m.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-ncf: --mlp '0' is not 1 to 4 widths, each an integer in [1, 4096]"
	run -2 --separate-stderr rec-train-ncf --threads 0 -o m.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-ncf: --threads '0' is not an integer in [1, 64]"
	run -2 --separate-stderr rec-train-ncf --tag-vocab -1 -o m.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-ncf: --tag-vocab '-1' is not an integer in [0, 100000]"
	run -2 --separate-stderr rec-train-ncf --dropout 1 -o m.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-ncf: --dropout '1' is not a number in [0, 0.99]"
	run -2 --separate-stderr rec-train-ncf --refit -o m.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-ncf: --refit needs --valid FILE"
	assert [ ! -e m.st ]
}

@test "without side features: no side tensors, rec-info and a plain Python reader read it" {
	run -0 --separate-stderr rec-train-ncf "${small[@]}" --epochs 3 -o m.st "$mf/train.tsv"
	assert_equal "${#stderr_lines[@]}" 3
	assert_regex "${stderr_lines[2]}" '^rec-train-ncf: fit epoch 3/3 loss [0-9.]+ \([0-9.]+ s\)$'
	run -0 rec-info m.st
	assert_line "$(printf 'meta\tmodel\tncf')"
	assert_line "$(printf 'meta\tk\t4')"
	assert_line "$(printf 'meta\tmlp\t8,4')"
	assert_line "$(printf 'meta\tside_dim\t4')"   # given, unused without side features
	assert_line "$(printf 'meta\tgenres\t0')"
	assert_line "$(printf 'meta\ttags\t0')"
	assert_line "$(printf 'meta\tepochs\t3')"
	assert_line "$(printf 'tensor\tuser_ids\tI64\t30\t240')"
	assert_line "$(printf 'tensor\titem_ids\tI64\t20\t160')"
	assert_line "$(printf 'tensor\tgmf.user\tF32\t30x4\t480')"
	assert_line "$(printf 'tensor\tmlp.item\tF32\t20x4\t320')"
	assert_line "$(printf 'tensor\tmlp.0.w\tF32\t8x8\t256')"
	assert_line "$(printf 'tensor\tmlp.1.w\tF32\t4x8\t128')"
	assert_line "$(printf 'tensor\tout.w\tF32\t1x8\t32')"
	assert_line "$(printf 'tensor\tglobal_bias\tF32\tscalar\t4')"
	refute_output --partial 'side_start'
	refute_output --partial 'side_feat'
	refute_output --partial 'side.proj'
	run -0 python3 "$fixtures/st/make-fixtures.py" --read m.st
	assert_line "$(printf 'tensor\tmlp.0.w\tF32\t8x8\t256')"
	run -0 rec-score -m m.st "$mf/test.tsv"
	assert_equal "${#lines[@]}" 90
}

@test "with --movies and --tags: genre and tag features in the model file" {
	rec-train-ncf -q "${small[@]}" "${side[@]}" --epochs 3 -o m.st "$mf/train.tsv"
	run -0 rec-info m.st
	# 16 genres of movies.csv (in order of first appearance) plus "no genre"
	assert_line "$(printf 'meta\tgenres\t17')"
	assert_line "$(printf 'meta\ttags\t3')"
	assert_line "$(printf 'meta\tside_dim\t4')"
	assert_line "$(printf 'meta\tside_names\tAdventure\\nAnimation\\nChildren\\nComedy\\nFantasy\\nAction\\nCrime\\nThriller\\nRomance\\nDrama\\nMusical\\nMystery\\nWar\\nIMAX\\nHorror\\nSci-Fi\\n(no genres listed)\\nbased on a book\\nfunny\\natmospheric')"
	assert_line "$(printf 'tensor\tside_start\tI64\t21\t168')"
	assert_line "$(printf 'tensor\tside_feat\tI64\t57\t456')"
	assert_line "$(printf 'tensor\tside.proj\tF32\t20x4\t320')"
	# the MLP input is [user (4), item (4), projected side vector (4)]
	assert_line "$(printf 'tensor\tmlp.0.w\tF32\t8x12\t384')"
	run -0 python3 "$fixtures/st/make-fixtures.py" --read m.st
	assert_line "$(printf 'tensor\tside.proj\tF32\t20x4\t320')"
	# The features of some items, by movieId (feature indices: genres 0-15,
	# 16 "(no genres listed)", 17 "based on a book", 18 "funny", 19
	# "atmospheric"):
	#   119 "(no genres listed)", and its tag is all spaces (skipped)
	#   120 missing from movies.csv: no genre feature, only its tag "funny"
	#   105 the quoted title with a comma: Comedy, Romance, Drama ("dark" is
	#       not in a vocabulary of 3)
	#   110 Comedy; "quirky" is on 110 and 999, but 999 is no training item
	#   101 its five genres and "funny" (twice, counted once)
	python3 "$fixtures/st/make-fixtures.py" --read m.st > dump.tsv
	run -0 awk -F'\t' '$1 == "values" { n = split($3, v, " ")
			for (j = 1; j <= n; j++) val[$2, j - 1] = v[j]; len[$2] = n }
		END { for (i = 0; i < len["item_ids"]; i++) {
				s = ""
				for (e = val["side_start", i]; e < val["side_start", i + 1]; e++)
					s = s " " val["side_feat", e]
				print val["item_ids", i] ":" s } }' dump.tsv
	assert_line '119: 16'
	assert_line '120: 18'
	assert_line '105: 3 8 9'
	assert_line '110: 3'
	assert_line '101: 0 1 2 3 4 18'
}

@test "--movies: ml-100k u.item and ml-1m movies.dat give the model movies.csv gives" {
	# tests/fixtures/movies: the same 20 movies in three files, genres in
	# the same order, so the same features and the same bytes.
	local mv="$fixtures/movies"
	for f in equivalent.csv u.item movies.dat; do
		rec-train-ncf -q "${small[@]}" --movies "$mv/$f" --epochs 2 -o "$f.st" "$mf/train.tsv"
	done
	cmp equivalent.csv.st u.item.st
	cmp equivalent.csv.st movies.dat.st
	# 15 genres in order of first appearance, u.item's "unknown" is the
	# "no genre" feature, "Children's" keeps its name.
	run -0 rec-info u.item.st
	assert_line "$(printf 'meta\tgenres\t16')"
	assert_line "$(printf 'meta\tside_names\t%s' "Animation\\nChildren's\\nComedy\\nAction\\nAdventure\\nThriller\\nDrama\\nCrime\\nSci-Fi\\nMusical\\nWar\\nFilm-Noir\\nRomance\\nHorror\\nFantasy\\n(no genres listed)")"
	# A bad line is named, before any training, and nothing is written.
	printf '101::A (1995)::Drama\n102::B (1995)\n' > bad.dat
	run -1 --separate-stderr rec-train-ncf -q --movies bad.dat -o m.st "$mf/train.tsv"
	assert_equal "$stderr" "rec-train-ncf: bad.dat:2: expected 3 '::'-separated fields, got 2"
	assert [ ! -e m.st ]
}

@test "the tag vocabulary: most distinct training items first, ties by bytes, each on >= 2" {
	rec-train-ncf -q "${small[@]}" --tags "$ncf/tags.csv" --epochs 1 -o m.st "$mf/train.tsv"
	run -0 rec-info m.st
	# folded and trimmed ("  BASED ON A BOOK "), a TAB made a space
	# ("Twist<TAB>ending"), quotes and a comma kept; "quirky" (on one
	# training item) and the empty tag are not there
	assert_line "$(printf 'meta\tside_names\tbased on a book\\nfunny\\natmospheric\\nclassic\\ndark\\nsci-fi, "space"\\ntwist ending')"
	assert_line "$(printf 'meta\tgenres\t0')"
	assert_line "$(printf 'meta\ttags\t7')"
	run -0 rec-score -m m.st "$mf/test.tsv"
}

@test "rec-score needs nothing but the model; --top with --exclude" {
	cp "$ncf/movies.csv" "$ncf/tags.csv" .
	rec-train-ncf -q "${small[@]}" --movies movies.csv --tags tags.csv \
		--tag-vocab 3 --epochs 3 -o m.st "$mf/train.tsv"
	rm movies.csv tags.csv
	run -0 rec-score -m m.st "$mf/test.tsv"
	assert_equal "${#lines[@]}" 90
	assert_equal "$(cut -f1-4 <<< "$output")" "$(cat "$mf/test.tsv")"
	run -0 awk -F'\t' 'NF != 5 || $5 < 0.5 || $5 > 5 { bad++ } END { print bad + 0 }' <<< "$output"
	assert_output 0
	# unknown users and items: zero embeddings, bias and side features
	printf '1\t101\n999\t101\n1\t999\n998\t997\n' > u.tsv
	run -0 --separate-stderr rec-score -m m.st u.tsv
	assert_equal "${#lines[@]}" 4
	assert_equal "$stderr" "rec-score: 2 unknown users, 2 unknown items (fallback used)"
	run -0 rec-score -m m.st --top 3 --exclude "$mf/train.tsv"
	assert_equal "${#lines[@]}" 90
	run -0 awk -F'\t' '$2 != (prev == $1 ? r + 1 : 1) { bad++ }
		prev == $1 && $4 > s + 1e-6 { bad++ }
		{ prev = $1; r = $2; s = $4 } END { print bad + 0 }' <<< "$output"
	assert_output 0
	rec-score -m m.st --top 3 --exclude "$mf/train.tsv" > top.tsv
	run -0 bash -c "cut -f1,3 top.tsv | sort > a; cut -f1,2 '$mf/train.tsv' | sort > b; comm -12 a b | wc -l"
	assert_output 0
}

@test "same seed, same bytes on any --threads; another seed, another model" {
	rec-train-ncf -q "${small[@]}" "${side[@]}" --epochs 3 --seed 5 --threads 1 -o a.st "$mf/train.tsv"
	rec-train-ncf -q "${small[@]}" "${side[@]}" --epochs 3 --seed 5 --threads 1 -o b.st < "$mf/train.tsv"
	cmp a.st b.st
	rec-train-ncf -q "${small[@]}" "${side[@]}" --epochs 3 --seed 5 --threads 2 -o t.st "$mf/train.tsv"
	cmp a.st t.st
	rec-train-ncf -q "${small[@]}" "${side[@]}" --epochs 3 --seed 6 --threads 1 -o c.st "$mf/train.tsv"
	! cmp -s a.st c.st
	rec-train-ncf -q "${small[@]}" --epochs 3 --seed 5 -o d.st "$mf/train.tsv"
	rec-train-ncf -q "${small[@]}" --epochs 3 --seed 5 -o e.st "$mf/train.tsv"
	cmp d.st e.st
}

@test "--valid, --log and --refit" {
	run -0 --separate-stderr rec-train-ncf "${small[@]}" "${side[@]}" --lr 0.01 \
		--patience 3 --valid "$mf/valid.tsv" --refit --log log.tsv -o m.st "$mf/train.tsv"
	assert_equal "$(head -1 log.tsv)" "$(printf 'phase\tepoch\tloss\tvalid_rmse\tvalid_precision@10\tvalid_recall@10\tvalid_f1@10\tvalid_ndcg@10\tseconds')"
	run -0 awk -F'\t' 'NF != 9 { bad++ } END { print bad + 0 }' log.tsv
	assert_output 0
	best=$(rec-info m.st | awk '$2 == "epochs" { print $3 }')
	fit=$(grep -c '^fit' log.tsv)
	assert_equal "$best" "$((fit - 3))"
	assert_equal "${stderr_lines[-1]%,*}" "rec-train-ncf: best epoch $best"
	# the kept epoch has the lowest validation RMSE of the log
	assert_equal "$(awk '$1 == "fit" { print $2, $4 }' log.tsv | sort -k2,2g -k1,1n | head -1 | cut -d' ' -f1)" "$best"
	# one refit row an epoch up to the best one, no validation numbers
	assert_equal "$(grep -c '^refit' log.tsv)" "$best"
	run -0 awk -F'\t' '$1 == "refit" && ($4 != "NA" || $7 != "NA") { bad++ } END { print bad + 0 }' log.tsv
	assert_output 0
	assert_equal "$(rec-info m.st | awk '$2 == "refit" { print $3 }')" 1
	run -0 rec-score -m m.st "$mf/test.tsv"
}

# Squared error on the test set: "better" when below that of the mean
# training rating.
vs_mean() {
	rec-score -m "$1" "$mf/test.tsv" > p.tsv
	awk -F'\t' 'NR == FNR { s += $3; n++; next }
		{ m = s / n; e0 += ($3 - m) ^ 2; e1 += ($3 - $5) ^ 2 }
		END { print (e1 < e0) ? "better" : "worse" }' "$mf/train.tsv" p.tsv
}

@test "the model predicts held-out ratings better than the global mean" {
	rec-train-ncf -q "${small[@]}" --lr 0.01 --epochs 20 -o plain.st "$mf/train.tsv"
	run -0 vs_mean plain.st
	assert_output better
	rec-train-ncf -q "${small[@]}" "${side[@]}" --lr 0.01 --epochs 20 -o side.st "$mf/train.tsv"
	run -0 vs_mean side.st
	assert_output better
}

@test "tags of the test period, or of users not in training, change nothing" {
	rec-train-ncf -q "${small[@]}" "${side[@]}" --epochs 2 -o a.st "$mf/train.tsv"
	# user 1's last training rating is at 1063, user 31 has none; each
	# adds a tag that would enter the vocabulary (on 3 more items)
	{
		cat "$ncf/tags.csv"
		printf '1,%s,late,1064\n' 101 102 103
		printf '31,%s,stranger,1000\n' 101 102 103
	} > more-tags.csv
	rec-train-ncf -q "${small[@]}" "${side[@]/$ncf\/tags.csv/more-tags.csv}" \
		--epochs 2 -o b.st "$mf/train.tsv"
	run -0 cmp a.st b.st
	run -0 rec-info b.st
	assert_line "$(printf 'meta\ttag_period\ttagger_last_train_rating')"
	# the same tags written at the last training rating do count
	sed 's/,1064$/,1063/' more-tags.csv > in-period-tags.csv
	rec-train-ncf -q "${small[@]}" "${side[@]/$ncf\/tags.csv/in-period-tags.csv}" \
		--epochs 2 -o c.st "$mf/train.tsv"
	run -1 cmp a.st c.st
	run -0 rec-info c.st
	assert_output --partial 'late'
}

@test "bad side-feature files and input: exit 1, the line named, nothing written" {
	printf 'movieId,name,genres\n101,A (1990),Drama\n' > bad-movies.csv
	run -1 --separate-stderr rec-train-ncf -q --movies bad-movies.csv -o m.st "$mf/train.tsv"
	assert_equal "$stderr" "rec-train-ncf: bad-movies.csv:1: header is 'movieId,name,genres', expected 'movieId,title,genres'"
	printf 'movieId,title,genres\n101,A (1990),Drama\n101,B (1991),Comedy\n' > dup-movies.csv
	run -1 --separate-stderr rec-train-ncf -q --movies dup-movies.csv -o m.st "$mf/train.tsv"
	assert_equal "$stderr" "rec-train-ncf: dup-movies.csv:3: duplicate movieId 101 (first on line 2)"
	printf 'userId,movieId,tag,timestamp\n1,101,x,1\n2,10x,y,2\n' > bad-tags.csv
	run -1 --separate-stderr rec-train-ncf -q --tags bad-tags.csv -o m.st "$mf/train.tsv"
	assert_equal "$stderr" "rec-train-ncf: bad-tags.csv:3: movieId '10x' is not a non-negative integer"
	# the line where the record starts, after a quoted newline
	printf 'userId,movieId,tag,timestamp\n1,101,x,1\n2,102,"y\nz",2\n3,103,w\n' > short-tags.csv
	run -1 --separate-stderr rec-train-ncf -q --tags short-tags.csv -o m.st "$mf/train.tsv"
	assert_equal "$stderr" "rec-train-ncf: short-tags.csv:5: expected 4 fields, got 3"
	# a tag that is not UTF-8 (Latin-1): named where it is read, before
	# any training (--epochs 100000 would take minutes)
	printf 'userId,movieId,tag,timestamp\n1,101,ok,1\n1,102,caf\xe9,2\n' > latin1-tags.csv
	run -1 --separate-stderr rec-train-ncf -q --epochs 100000 --tags latin1-tags.csv -o m.st "$mf/train.tsv"
	assert_equal "$stderr" "rec-train-ncf: latin1-tags.csv:3: tag 'caf?' is not valid UTF-8"
	assert [ ! -e m.st ]
	printf 'userId,movieId,tag,timestamp\n' > no-tags.csv
	run -1 --separate-stderr rec-train-ncf -q --tags no-tags.csv -o m.st "$mf/train.tsv"
	assert_equal "$stderr" "rec-train-ncf: no-tags.csv: no tags"
	run -1 --separate-stderr rec-train-ncf -q --movies nope.csv -o m.st "$mf/train.tsv"
	assert_equal "$stderr" "rec-train-ncf: nope.csv: No such file or directory"
	run -1 --separate-stderr bash -c "rec-train-ncf -q --movies '$ncf/movies.csv' -o m.st < /dev/null"
	assert_equal "$stderr" "rec-train-ncf: <stdin>: empty input"
	: > empty.tsv
	run -1 --separate-stderr rec-train-ncf -q -o m.st empty.tsv
	assert_equal "$stderr" "rec-train-ncf: empty.tsv: empty input"
	assert [ ! -e m.st ]
	run ls -A
	refute_output --partial '.m.st.'
}

@test "a full disk: exit 1" {
	run -1 --separate-stderr bash -c "rec-train-ncf -q --dim 4 --mlp 8,4 --epochs 1 '$mf/train.tsv' > /dev/full"
	assert_equal "$stderr" "rec-train-ncf: <stdout>: No space left on device"
}

@test "side features that come to nothing still give a model rec-score reads" {
	rec-train-ncf -q "${small[@]}" --tags "$ncf/tags.csv" --tag-vocab 0 --epochs 1 -o m.st "$mf/train.tsv"
	run -0 rec-score -m m.st "$mf/test.tsv"
}

@test "--loss bpr: a ranking model, stopped on validation NDCG@10, refitted" {
	run -0 --separate-stderr rec-train-ncf "${small[@]}" "${side[@]}" --loss bpr \
		--dropout 0 --batch 32 --lr 0.01 --patience 3 --valid "$mf/valid.tsv" \
		--refit --log log.tsv -o b.st "$mf/train.tsv"
	assert_regex "${stderr_lines[-1]}" '^rec-train-ncf: best epoch [0-9]+, valid_ndcg@10 0\.[0-9]{5}$'
	# every fit row has an NDCG and no RMSE; the kept epoch has the best
	# NDCG; one refit row an epoch up to it
	run -0 awk -F'\t' '$1 == "fit" && ($4 != "NA" || $8 == "NA") { bad++ } END { print bad + 0 }' log.tsv
	assert_output 0
	best=$(awk -F'\t' '$1 == "fit" { print $2, $8 }' log.tsv | sort -k2,2gr -k1,1n | head -1 | cut -d' ' -f1)
	assert_equal "$(grep -c '^fit' log.tsv)" "$((best + 3))"
	assert_equal "$(grep -c '^refit' log.tsv)" "$best"
	run -0 rec-info b.st
	assert_line "$(printf 'meta\tepochs\t%s' "$best")"
	assert_line "$(printf 'meta\trefit\t1')"
	assert_line "$(printf 'meta\tloss\tbpr')"
	assert_line "$(printf 'meta\tpositive\t3.5')"
	assert_line "$(printf 'meta\tnegatives\t1')"
	assert_line "$(printf 'meta\ttags\t3')"
	# mu and b_u are held at 0: the user biases are 30 zero floats
	run -0 python3 -c '
import json, struct, sys
b = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n])
for name in ("user_bias", "global_bias"):
    lo, hi = h[name]["data_offsets"]
    print(name, hi - lo, set(b[8 + n + lo:8 + n + hi]))' b.st
	assert_line 'user_bias 120 {0}'
	assert_line 'global_bias 4 {0}'
	# it ranks, and predicts no ratings
	run -2 --separate-stderr rec-score -m b.st "$mf/test.tsv"
	assert_equal "${stderr_lines[0]}" "rec-score: a 'ncf' model trained to rank gives no rating predictions: use --top K for its lists"
	run -0 rec-score -m b.st --top 5 --exclude "$mf/train.tsv"
	assert_equal "${#lines[@]}" 150
	run -0 bash -c "rec-score -m b.st --top 5 --exclude '$mf/train.tsv' | cut -f1,3 | sort > a; cut -f1,2 '$mf/train.tsv' | sort > b; comm -12 a b | wc -l"
	assert_output 0
}

@test "--loss bpr: the same seed, the same bytes, on any --threads" {
	rec-train-ncf -q "${small[@]}" --loss bpr --negatives 3 --epochs 3 --seed 4 -o c.st "$mf/train.tsv"
	rec-train-ncf -q "${small[@]}" --loss bpr --negatives 3 --epochs 3 --seed 4 --threads 2 -o d.st "$mf/train.tsv"
	cmp c.st d.st
	run -0 rec-info c.st
	assert_line "$(printf 'meta\tnegatives\t3')"
	rec-train-ncf -q "${small[@]}" --loss bpr --negatives 3 --epochs 3 --seed 5 -o e.st "$mf/train.tsv"
	! cmp -s c.st e.st
}

@test "--loss bpr: usage errors, and no positives" {
	run -2 --separate-stderr rec-train-ncf --negatives 3 -o b.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-ncf: --positive and --negatives go with --loss bpr"
	run -2 --separate-stderr rec-train-ncf --loss mse --positive 4 -o b.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-ncf: --positive and --negatives go with --loss bpr"
	run -2 --separate-stderr rec-train-ncf --loss hinge -o b.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-ncf: --loss 'hinge' is not mse or bpr"
	run -2 --separate-stderr rec-train-ncf --loss bpr --negatives 0 -o b.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-ncf: --negatives '0' is not an integer in [1, 1000]"
	run -2 --separate-stderr rec-train-ncf --loss bpr --positive 6 -o b.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-ncf: --positive '6' is not a number in [0, 5]"
	assert [ ! -e b.st ]
	awk -F'\t' -v OFS='\t' '{ $3 = 2; print }' "$mf/train.tsv" > low.tsv
	run -1 --separate-stderr rec-train-ncf "${small[@]}" --loss bpr -o b.st low.tsv
	assert_equal "$stderr" "rec-train-ncf: no positives (ratings of at least 3.5 stars) to train on"
	assert [ ! -e b.st ]
}
