#!/usr/bin/env bats
# rec-train-agr: training, the model file (with its graph), scoring,
# reproducibility, --graph and its checks, logs with attention weights,
# the ranking model (--loss bpr), errors.
bats_require_minimum_version 1.5.0
load helpers

mf="$BATS_TEST_DIRNAME/../fixtures/mf"

# Small and fast: the whole file trains for well under a second.
small=(--dim 4 --attn-dim 3 --mlp '8,4' --batch 64)

@test "--help and --version" {
	run -0 rec-train-agr --help
	assert_line --index 0 --partial 'usage: rec-train-agr'
	assert_output --partial '--conv lightgcn|gcn'
	assert_output --partial 'user_attn_0'
	run -0 rec-train-agr --version
	assert_output 'rec-train-agr (recpipe) 0.1.0'
}

@test "bad usage exits 2, writes nothing" {
	for bad in '--layers 9' '--layers x' '--conv gat' '--weight x' '--mlp 1,2,3,4' \
	           '--mlp 0' '--attn-dim 0' '--dropout 1' '--threads 0' '--threads 65' '--refit' '--nope'; do
		run -2 rec-train-agr $bad -o m.st "$mf/train.tsv"
		assert [ ! -e m.st ]
	done
	run -2 --separate-stderr rec-train-agr --conv gat -o m.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-agr: --conv 'gat' is not lightgcn or gcn"
	run -2 --separate-stderr rec-train-agr --layers 9 -o m.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-agr: --layers '9' is not an integer in [0, 8]"
	run -2 --separate-stderr rec-train-agr --mlp 1,2,3,4 -o m.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-agr: --mlp '1,2,3,4' is not 1 to 3 widths, each an integer in [1, 4096]"
	rec-graph -o g.st "$mf/train.tsv"
	run -2 --separate-stderr rec-train-agr --graph g.st --weight rating -o m.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-agr: --weight is the graph's own with --graph"
	run -2 --separate-stderr bash -c "rec-train-agr --graph g.st -o m.st < '$mf/train.tsv'"
	assert_equal "${stderr_lines[0]}" "rec-train-agr: --graph needs the training ratings as a FILE"
	assert [ ! -e m.st ]
}

@test "the model file holds the graph; rec-info, a plain Python reader and rec-score read it" {
	run -0 --separate-stderr rec-train-agr "${small[@]}" --epochs 2 -o m.st "$mf/train.tsv"
	assert_regex "${stderr_lines[1]}" '^rec-train-agr: fit epoch 2/2 loss [0-9.]+ \([0-9.]+ s\)$'
	run -0 rec-info m.st
	assert_line "$(printf 'meta\tmodel\tagr')"
	assert_line "$(printf 'meta\tk\t4')"
	assert_line "$(printf 'meta\tlayers\t3')"
	assert_line "$(printf 'meta\tconv\tlightgcn')"
	assert_line "$(printf 'meta\tattn_dim\t3')"
	assert_line "$(printf 'meta\tmlp\t8,4')"
	assert_line "$(printf 'meta\tweight\tbinary')"
	assert_line "$(printf 'meta\tepochs\t2')"
	assert_line "$(printf 'tensor\tgraph.indptr\tI64\t51\t408')"
	assert_line "$(printf 'tensor\tgraph.indices\tI64\t600\t4800')"
	assert_line "$(printf 'tensor\tgraph.values\tF32\t600\t2400')"
	assert_line "$(printf 'tensor\tuser_emb\tF32\t30x4\t480')"
	assert_line "$(printf 'tensor\titem_emb\tF32\t20x4\t320')"
	assert_line "$(printf 'tensor\tattn.user.w\tF32\t3x4\t48')"
	assert_line "$(printf 'tensor\tattn.item.v\tF32\t3\t12')"
	assert_line "$(printf 'tensor\tmlp.0.w\tF32\t8x12\t384')"
	assert_line "$(printf 'tensor\tout.w\tF32\t1x4\t16')"
	refute_output --partial 'conv.0.w'
	run -0 python3 "$fixtures/st/make-fixtures.py" --read m.st
	assert_line "$(printf 'tensor\tgraph.values\tF32\t600\t2400')"
	run -0 rec-score -m m.st "$mf/test.tsv"
	assert_equal "${#lines[@]}" 90
	run -0 awk -F'\t' 'NF != 5 || $5 < 0.5 || $5 > 5 { bad++ } END { print bad + 0 }' <<< "$output"
	assert_output 0
	# unknown users and items: zero representations and biases
	printf '1\t101\n999\t101\n1\t999\n998\t997\n' > u.tsv
	run -0 --separate-stderr rec-score -m m.st u.tsv
	assert_equal "${#lines[@]}" 4
	assert_equal "$stderr" "rec-score: 2 unknown users, 2 unknown items (fallback used)"
	run -0 rec-score -m m.st --top 3 --exclude "$mf/train.tsv"
	assert_equal "${#lines[@]}" 90
	# --conv gcn: a weight matrix a layer
	rec-train-agr -q "${small[@]}" --conv gcn --layers 2 --epochs 1 -o g.st "$mf/train.tsv"
	run -0 rec-info g.st
	assert_line "$(printf 'tensor\tconv.0.w\tF32\t4x4\t64')"
	assert_line "$(printf 'tensor\tconv.1.w\tF32\t4x4\t64')"
	refute_output --partial 'conv.2.w'
	run -0 rec-score -m g.st "$mf/test.tsv"
}

@test "same seed, same bytes on any --threads; another seed, another model" {
	rec-train-agr -q "${small[@]}" --epochs 2 --seed 5 --threads 1 -o a.st "$mf/train.tsv"
	rec-train-agr -q "${small[@]}" --epochs 2 --seed 5 --threads 1 -o b.st < "$mf/train.tsv"
	cmp a.st b.st
	rec-train-agr -q "${small[@]}" --epochs 2 --seed 6 --threads 1 -o c.st "$mf/train.tsv"
	! cmp -s a.st c.st
	rec-train-agr -q "${small[@]}" --conv gcn --epochs 2 --seed 5 -o d.st "$mf/train.tsv"
	rec-train-agr -q "${small[@]}" --conv gcn --epochs 2 --seed 5 -o e.st "$mf/train.tsv"
	cmp d.st e.st
	for n in 2 3; do
		rec-train-agr -q "${small[@]}" --epochs 2 --seed 5 --threads $n -o t.st "$mf/train.tsv"
		cmp a.st t.st
		rec-train-agr -q "${small[@]}" --conv gcn --epochs 2 --seed 5 --threads $n -o t.st "$mf/train.tsv"
		cmp d.st t.st
	done
}

@test "--graph: rec-graph's file gives the model built from the ratings" {
	rec-graph -o g.st "$mf/train.tsv"
	rec-train-agr -q "${small[@]}" --epochs 2 -o a.st "$mf/train.tsv"
	rec-train-agr -q "${small[@]}" --epochs 2 --graph g.st -o b.st "$mf/train.tsv"
	cmp a.st b.st
	# the same ratings in another order: the graph's nodes are renumbered
	sort -k2,2n -k1,1n "$mf/train.tsv" > sorted.tsv
	rec-graph -o s.st sorted.tsv
	rec-train-agr -q "${small[@]}" --epochs 2 --graph s.st -o c.st "$mf/train.tsv"
	cmp a.st c.st
	# the graph's weighting comes along
	rec-graph --weight rating -o w.st "$mf/train.tsv"
	rec-train-agr -q "${small[@]}" --epochs 1 --graph w.st -o d.st "$mf/train.tsv"
	assert_equal "$(rec-info d.st | awk '$2 == "weight" { print $3 }')" rating
	# with --refit the refit builds its graph from train + valid
	rec-train-agr -q "${small[@]}" --graph g.st --valid "$mf/valid.tsv" --refit \
		--patience 2 -o r.st "$mf/train.tsv"
	assert_equal "$(rec-info r.st | awk '$2 == "refit" { print $3 }')" 1
	assert_equal "$(rec-info r.st | awk '$2 == "graph.indices" { print $4 }')" 720
}

@test "--graph of another data set is rejected, naming what differs" {
	cp "$mf/train.tsv" "$mf/valid.tsv" "$mf/test.tsv" .
	rec-graph -o valid.st valid.tsv
	run -1 --separate-stderr rec-train-agr -q --graph valid.st -o m.st train.tsv
	assert_equal "$stderr" "rec-train-agr: valid.st: not the graph of train.tsv: graph has 15 items, the ratings 20"
	rec-graph -o test.st test.tsv
	run -1 --separate-stderr rec-train-agr -q --graph test.st -o m.st train.tsv
	assert_equal "$stderr" "rec-train-agr: test.st: not the graph of train.tsv: graph has 90 edges, the ratings 300"
	# one user renamed
	sed 's/^30\t/31\t/' train.tsv > other.tsv
	rec-graph -o other.st other.tsv
	run -1 --separate-stderr rec-train-agr -q --graph other.st -o m.st train.tsv
	assert_equal "$stderr" "rec-train-agr: other.st: not the graph of train.tsv: user 30 of the ratings is not in the graph"
	# the same users, items and count, one rating moved to another item
	item=$(awk -F'\t' '$1 == 1 { r[$2] = 1 } END { for (i = 101; i <= 120; i++) if (!(i in r)) { print i; exit } }' train.tsv)
	awk -F'\t' -v it="$item" 'BEGIN { OFS = "\t" } NR == 2 { $2 = it } { print }' train.tsv > moved.tsv
	rec-graph -o moved.st moved.tsv
	run -1 --separate-stderr rec-train-agr -q --graph moved.st -o m.st train.tsv
	assert_equal "$stderr" "rec-train-agr: moved.st: not the graph of train.tsv: rating of user 1 for item 102 is not an edge of the graph"
	# not a graph at all
	rec-train-agr -q "${small[@]}" --epochs 1 -o model.st train.tsv
	run -1 --separate-stderr rec-train-agr -q --graph model.st -o m.st train.tsv
	assert_equal "$stderr" "rec-train-agr: model.st: format is 'rec-model/1', expected 'rec-graph/1'"
	run -1 --separate-stderr rec-train-agr -q --graph nope.st -o m.st train.tsv
	assert_equal "$stderr" "rec-train-agr: nope.st: No such file or directory"
	assert [ ! -e m.st ]
}

@test "--valid, --log with the mean attention weights, and --refit" {
	run -0 --separate-stderr rec-train-agr "${small[@]}" --lr 0.01 --layers 2 \
		--patience 3 --valid "$mf/valid.tsv" --refit --log log.tsv -o m.st "$mf/train.tsv"
	assert_equal "$(head -1 log.tsv)" "$(printf 'phase\tepoch\tloss\tvalid_rmse\tvalid_precision@10\tvalid_recall@10\tvalid_f1@10\tvalid_ndcg@10\tseconds\tuser_attn_0\tuser_attn_1\tuser_attn_2\titem_attn_0\titem_attn_1\titem_attn_2')"
	# 14 columns; each side's weights are a distribution
	run -0 awk -F'\t' 'NR > 1 && (NF != 15 || ($10 + $11 + $12 - 1) ^ 2 > 1e-10 ||
		($13 + $14 + $15 - 1) ^ 2 > 1e-10 || $10 <= 0 || $15 <= 0) { bad++ }
		END { print bad + 0 }' log.tsv
	assert_output 0
	best=$(rec-info m.st | awk '$2 == "epochs" { print $3 }')
	fit=$(grep -c '^fit' log.tsv)
	assert_equal "$best" "$((fit - 3))"
	assert_equal "${stderr_lines[-1]%,*}" "rec-train-agr: best epoch $best"
	assert_equal "$(grep -c '^refit' log.tsv)" "$best"
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
	rec-train-agr -q "${small[@]}" --lr 0.01 --epochs 20 -o light.st "$mf/train.tsv"
	run -0 vs_mean light.st
	assert_output better
	rec-train-agr -q "${small[@]}" --conv gcn --lr 0.01 --epochs 20 -o gcn.st "$mf/train.tsv"
	run -0 vs_mean gcn.st
	assert_output better
}

@test "bad input and a full disk: exit 1, nothing written" {
	printf '1\t2\t3\t0\n1\t2\t4\t0\n' > dup.tsv
	run -1 --separate-stderr rec-train-agr -q -o m.st dup.tsv
	assert_regex "$stderr" '^rec-train-agr: dup.tsv:2: '
	: > empty.tsv
	run -1 --separate-stderr rec-train-agr -q -o m.st empty.tsv
	assert_equal "$stderr" "rec-train-agr: empty.tsv: empty input"
	assert [ ! -e m.st ]
	run ls -A
	refute_output --partial '.m.st.'
	run -1 --separate-stderr bash -c "rec-train-agr -q ${small[*]} --epochs 1 '$mf/train.tsv' > /dev/full"
	assert_equal "$stderr" "rec-train-agr: <stdout>: No space left on device"
}

@test "--loss bpr: a ranking model, stopped on validation NDCG@10" {
	run -0 --separate-stderr rec-train-agr "${small[@]}" --loss bpr --lr 0.01 --dropout 0 \
		--patience 3 --valid "$mf/valid.tsv" --log log.tsv -o b.st "$mf/train.tsv"
	assert_regex "${stderr_lines[-1]}" '^rec-train-agr: best epoch [0-9]+, valid_ndcg@10 0\.[0-9]{5}$'
	# every row has an NDCG and no RMSE, the attention weights still a
	# distribution; the kept epoch has the best NDCG
	run -0 awk -F'\t' 'NR > 1 && ($4 != "NA" || $8 == "NA" ||
		($10 + $11 + $12 + $13 - 1) ^ 2 > 1e-10) { bad++ } END { print bad + 0 }' log.tsv
	assert_output 0
	best=$(awk -F'\t' 'NR > 1 { print $2, $8 }' log.tsv | sort -k2,2gr -k1,1n | head -1 | cut -d' ' -f1)
	run -0 rec-info b.st
	assert_line "$(printf 'meta\tepochs\t%s' "$best")"
	assert_line "$(printf 'meta\tloss\tbpr')"
	assert_line "$(printf 'meta\tpositive\t3.5')"
	assert_line "$(printf 'meta\tnegatives\t1')"
	# it ranks, and predicts no ratings
	run -2 --separate-stderr rec-score -m b.st "$mf/test.tsv"
	assert_equal "${stderr_lines[0]}" "rec-score: a 'agr' model trained to rank gives no rating predictions: use --top K for its lists"
	run -0 rec-score -m b.st --top 5 --exclude "$mf/train.tsv"
	assert_equal "${#lines[@]}" 150
	# the same seed, the same bytes, with dropout and several negatives
	rec-train-agr -q "${small[@]}" --loss bpr --negatives 3 --epochs 2 -o c.st "$mf/train.tsv"
	rec-train-agr -q "${small[@]}" --loss bpr --negatives 3 --epochs 2 --threads 2 -o d.st "$mf/train.tsv"
	cmp c.st d.st
	# the rating model's file says what it is
	rec-train-agr -q "${small[@]}" --epochs 1 -o r.st "$mf/train.tsv"
	run -0 rec-info r.st
	assert_line "$(printf 'meta\tloss\tmse')"
}

@test "--loss bpr: usage and data errors" {
	run -2 --separate-stderr rec-train-agr --negatives 3 -o b.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-agr: --positive and --negatives go with --loss bpr"
	run -2 --separate-stderr rec-train-agr --positive 4 -o b.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-agr: --positive and --negatives go with --loss bpr"
	run -2 --separate-stderr rec-train-agr --loss hinge -o b.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-agr: --loss 'hinge' is not mse or bpr"
	run -2 --separate-stderr rec-train-agr --loss bpr --negatives 0 -o b.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-agr: --negatives '0' is not an integer in [1, 1000]"
	awk -F'\t' -v OFS='\t' '{ $3 = 2; print }' "$mf/train.tsv" > low.tsv
	run -1 --separate-stderr rec-train-agr --loss bpr -o b.st low.tsv
	assert_equal "$stderr" "rec-train-agr: no positives (ratings of at least 3.5 stars) to train on"
	assert [ ! -e b.st ]
}

@test "--propagations: blocks of batches; saved when not 16; same bytes on any --threads" {
	# 300 ratings in batches of 64: 5 batches, a block each by default
	rec-train-agr -q "${small[@]}" --epochs 2 --seed 5 -o a.st "$mf/train.tsv"
	rec-train-agr -q "${small[@]}" --epochs 2 --seed 5 --propagations 5 -o b.st "$mf/train.tsv"
	rec-train-agr -q "${small[@]}" --epochs 2 --seed 5 --propagations 2 -o c.st "$mf/train.tsv"
	for m in a b c; do rec-score -m $m.st "$mf/test.tsv" > $m.tsv; done
	cmp a.tsv b.tsv
	! cmp -s a.tsv c.tsv
	run -0 rec-info a.st
	refute_output --partial 'propagations'
	run -0 rec-info c.st
	assert_line "$(printf 'meta\tpropagations\t2')"
	for conv in lightgcn gcn; do
		rec-train-agr -q "${small[@]}" --conv $conv --epochs 2 --seed 5 --propagations 2 \
			--threads 1 -o d.st "$mf/train.tsv"
		rec-train-agr -q "${small[@]}" --conv $conv --epochs 2 --seed 5 --propagations 2 \
			--threads 2 -o e.st "$mf/train.tsv"
		cmp d.st e.st
	done
	for bad in 0 x 1073741825; do
		run -2 rec-train-agr --propagations $bad -o m.st "$mf/train.tsv"
		assert [ ! -e m.st ]
	done
}

@test "--head dot: z_u . z_i, no MLP; saved when not mlp; old files read as mlp" {
	dot=(--dim 4 --batch 64)
	run -0 rec-train-agr --help
	assert_output --partial '--head mlp|dot'
	rec-train-agr -q "${dot[@]}" --loss bpr --head dot --layers 1 --attn-dim 1 \
		--epochs 2 -o d.st "$mf/train.tsv"
	run -0 rec-info d.st
	assert_line "$(printf 'meta\thead\tdot')"
	assert_line "$(printf 'tensor\tattn.user.w\tF32\t1x4\t16')"
	refute_output --partial 'mlp.0.w'
	refute_output --partial 'out.w'
	run -0 rec-score -m d.st --top 3 --exclude "$mf/train.tsv"
	assert_equal "${#lines[@]}" 90
	rec-train-agr -q "${dot[@]}" --loss bpr --head dot --layers 1 --attn-dim 1 \
		--epochs 2 --threads 2 -o e.st "$mf/train.tsv"
	cmp d.st e.st
	# on ratings: stars from the sigmoid of z_u . z_i and the biases
	rec-train-agr -q "${dot[@]}" --head dot --epochs 2 -o r.st "$mf/train.tsv"
	run -0 rec-score -m r.st "$mf/test.tsv"
	assert_equal "${#lines[@]}" 90
	run -0 awk -F'\t' 'NF != 5 || $5 < 0.5 || $5 > 5 { bad++ } END { print bad + 0 }' <<< "$output"
	assert_output 0
	# the MLP head is the default, not saved: a file without the key
	# (every file from before the option) is one
	rec-train-agr -q "${small[@]}" --head mlp --epochs 1 -o a.st "$mf/train.tsv"
	rec-train-agr -q "${small[@]}" --epochs 1 -o b.st "$mf/train.tsv"
	cmp a.st b.st
	run -0 rec-info a.st
	refute_output --partial 'head'
	assert_line "$(printf 'tensor\tout.w\tF32\t1x4\t16')"
	# a bad head in a model file
	sed 's/"head":"dot"/"head":"dog"/' d.st > bad.st
	run -1 --separate-stderr rec-score -m bad.st --top 3
	assert_equal "$stderr" "rec-score: bad.st: metadata 'head' = 'dog' is not mlp or dot"
}

@test "--head: usage errors" {
	run -2 --separate-stderr rec-train-agr --head cosine -o m.st "$mf/train.tsv"
	assert_equal "${stderr_lines[0]}" "rec-train-agr: --head 'cosine' is not mlp or dot"
	for bad in '--mlp 8' '--dropout 0.1'; do
		run -2 --separate-stderr rec-train-agr --head dot $bad -o m.st "$mf/train.tsv"
		assert_equal "${stderr_lines[0]}" "rec-train-agr: --mlp and --dropout go with --head mlp"
	done
	assert [ ! -e m.st ]
}
