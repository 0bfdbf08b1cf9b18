/* t_metrics.c - every metric of metrics.h on tiny cases computed by hand
 * (each computation is written out in a comment). */
#include <math.h>
#include <string.h>

#include "check.h"
#include "rec/metrics.h"

#define EPS 1e-9

TEST(metrics_error_clips)
{
	/* Predictions 0 and 6 are clipped to 0.5 and 5 first:
	 *   errors 0.5 - 1 = -0.5, 5 - 5 = 0, 3.5 - 3 = 0.5
	 *   RMSE = sqrt((0.25 + 0 + 0.25) / 3) = sqrt(1/6) = 0.408248...
	 *   MAE  = (0.5 + 0 + 0.5) / 3 = 1/3 */
	const float truth[] = { 1, 5, 3 };
	const double pred[] = { 0.0, 6.0, 3.5 };
	double rmse, mae;

	rec_metrics_error(truth, pred, 3, &rmse, &mae);
	CHECK_NEAR(rmse, sqrt(1.0 / 6), EPS);
	CHECK_NEAR(mae, 1.0 / 3, EPS);
	rec_metrics_error(truth, pred, 0, &rmse, &mae);
	CHECK(isnan(rmse) && isnan(mae));
}

TEST(metrics_rank_ties_by_item)
{
	/* Scores 4, 4, 5, 4 on items 30, 10, 20, 5: 20 (5) first, then the
	 * ties 5, 10, 30 by item id, whatever the input order. */
	struct rec_scored v[] = { { 30, 4, 0 }, { 10, 4, 0 }, { 20, 5, 0 }, { 5, 4, 0 } };
	struct rec_scored w[] = { { 5, 4, 0 }, { 20, 5, 0 }, { 30, 4, 0 }, { 10, 4, 0 } };

	rec_metrics_rank(v, 4);
	rec_metrics_rank(w, 4);
	CHECK(v[0].item == 20 && v[1].item == 5 && v[2].item == 10 && v[3].item == 30);
	for (int i = 0; i < 4; i++)
		CHECK(v[i].item == w[i].item && v[i].score == w[i].score);
	rec_metrics_rank(v, 0);
}

TEST(metrics_rated_recall_denominator_and_ties)
{
	/* items (id score truth): (30 4.0 5) (10 4.0 2) (20 3.0 4), T = 3.5.
	 * Ranked: 10 (tie with 30, smaller id first), 30, 20.
	 * Relevant (truth >= 3.5): 30 and 20, so nrel = 2 at every k.
	 * k = 1: top {10}, recommended {10} (4 >= 3.5), hits 0: P = 0, R = 0.
	 * k = 2: top {10, 30}, recommended both, hits {30}:
	 *        P = 1/2, R = 1/2 (20 is relevant but outside the top 2:
	 *        the denominator counts it).
	 * k = 3: top all, recommended {10, 30} (20 scores 3 < 3.5): P = 1/2,
	 *        R = 1/2. */
	struct rec_scored v[] = { { 30, 4.0, 5 }, { 10, 4.0, 2 }, { 20, 3.0, 4 } };
	struct rec_rated r;

	rec_metrics_rated(v, 3, 1, 3.5, &r);
	CHECK(r.nrel == 2 && r.nrec == 1 && r.nhit == 0);
	CHECK(r.precision == 0 && r.recall == 0);
	rec_metrics_rated(v, 3, 2, 3.5, &r);
	CHECK(r.nrel == 2 && r.nrec == 2 && r.nhit == 1);
	CHECK_NEAR(r.precision, 0.5, EPS);
	CHECK_NEAR(r.recall, 0.5, EPS);
	rec_metrics_rated(v, 3, 3, 3.5, &r);
	CHECK(r.nrec == 2 && r.nhit == 1);
	CHECK_NEAR(r.precision, 0.5, EPS);
	CHECK_NEAR(r.recall, 0.5, EPS);
}

TEST(metrics_rated_edge_cases)
{
	/* Nothing relevant (truths 2, 1), both recommended: P = 0/2 = 0,
	 * R = 0 by definition. */
	struct rec_scored a[] = { { 1, 4.5, 2 }, { 2, 4.0, 1 } };
	/* Nothing recommended (scores below 3.5), one relevant: P = 0 by
	 * definition, R = 0/1 = 0. */
	struct rec_scored b[] = { { 1, 3.4, 5 }, { 2, 1.0, 1 } };
	/* K = 10 larger than the 2 items: both taken; relevant {1}, hits 1:
	 * P = 1/2 (divided by the recommended, not by K), R = 1. */
	struct rec_scored c[] = { { 1, 4.0, 5 }, { 2, 3.9, 1 } };
	struct rec_rated r;

	rec_metrics_rated(a, 2, 10, 3.5, &r);
	CHECK(r.nrel == 0 && r.nrec == 2 && r.precision == 0 && r.recall == 0);
	rec_metrics_rated(b, 2, 10, 3.5, &r);
	CHECK(r.nrel == 1 && r.nrec == 0 && r.precision == 0 && r.recall == 0);
	rec_metrics_rated(c, 2, 10, 3.5, &r);
	CHECK_NEAR(r.precision, 0.5, EPS);
	CHECK_NEAR(r.recall, 1, EPS);
	/* No items at all. */
	rec_metrics_rated(NULL, 0, 10, 3.5, &r);
	CHECK(r.nrel == 0 && r.nrec == 0 && r.precision == 0 && r.recall == 0);
	/* The threshold is inclusive: score 3.5 is recommended, truth 3.5
	 * relevant. */
	struct rec_scored d[] = { { 7, 3.5, 3.5f } };
	rec_metrics_rated(d, 1, 10, 3.5, &r);
	CHECK(r.nrec == 1 && r.nrel == 1 && r.nhit == 1);
}

TEST(metrics_f1)
{
	/* 2 * 0.5 * 1 / 1.5 = 2/3; P + R = 0 gives 0. */
	CHECK_NEAR(rec_metrics_f1(0.5, 1), 2.0 / 3, EPS);
	CHECK(rec_metrics_f1(0, 0) == 0);
}

TEST(metrics_ranking)
{
	/* list 50 40 30, relevant {30, 50}, k = 3:
	 *   hits at ranks 1 and 3: P = 2/3, R = 2/2 = 1
	 *   DCG  = 1/log2(2) + 1/log2(4) = 1 + 0.5 = 1.5
	 *   IDCG = 1/log2(2) + 1/log2(3) (min(k, |rel|) = 2 items)
	 *        = 1 + 0.630930 = 1.630930;  NDCG = 0.919721
	 *   hit = 1, RR = 1/1 */
	const int64_t list[] = { 50, 40, 30 }, rel[] = { 30, 50 };
	struct rec_ranking r;
	double idcg = 1 + 1 / log2(3);

	rec_metrics_ranking(list, 3, rel, 2, 3, &r);
	CHECK(r.nhit == 2);
	CHECK_NEAR(r.precision, 2.0 / 3, EPS);
	CHECK_NEAR(r.recall, 1, EPS);
	CHECK_NEAR(r.ndcg, 1.5 / idcg, EPS);
	CHECK_NEAR(r.ndcg, 0.919721, 1e-6);
	CHECK(r.hit == 1 && r.rr == 1);

	/* K = 10 larger than the list: P = 2/10 (divided by K), R and NDCG
	 * as before (IDCG still over min(10, 2) = 2 items). */
	rec_metrics_ranking(list, 3, rel, 2, 10, &r);
	CHECK_NEAR(r.precision, 0.2, EPS);
	CHECK_NEAR(r.recall, 1, EPS);
	CHECK_NEAR(r.ndcg, 1.5 / idcg, EPS);
}

TEST(metrics_ranking_ranks_and_cutoff)
{
	/* list 1 2 3, relevant {2}, k = 3: hit at rank 2:
	 *   P = 1/3, R = 1, DCG = 1/log2(3), IDCG = 1/log2(2) = 1,
	 *   NDCG = 0.630930, RR = 1/2. */
	const int64_t list[] = { 1, 2, 3 }, two[] = { 2 }, three[] = { 3 };
	const int64_t many[] = { 1, 4, 5, 6, 7 };
	struct rec_ranking r;

	rec_metrics_ranking(list, 3, two, 1, 3, &r);
	CHECK_NEAR(r.precision, 1.0 / 3, EPS);
	CHECK_NEAR(r.ndcg, 1 / log2(3), EPS);
	CHECK_NEAR(r.rr, 0.5, EPS);
	/* relevant {3} at rank 3, k = 2: nothing in the first 2: all 0
	 * (the reciprocal rank too: only the first k count). */
	rec_metrics_ranking(list, 3, three, 1, 2, &r);
	CHECK(r.nhit == 0 && r.precision == 0 && r.recall == 0 && r.ndcg == 0 &&
	      r.hit == 0 && r.rr == 0);
	/* relevant {1, 4, 5, 6, 7}, k = 2: hit at rank 1 only: P = 1/2,
	 * R = 1/5 (denominator |rel|, not min(k, |rel|) = 2),
	 * NDCG = 1 / (1 + 1/log2(3)) (IDCG over min(2, 5) = 2 ranks). */
	rec_metrics_ranking(list, 3, many, 5, 2, &r);
	CHECK_NEAR(r.precision, 0.5, EPS);
	CHECK_NEAR(r.recall, 0.2, EPS);
	CHECK_NEAR(r.ndcg, 1 / (1 + 1 / log2(3)), EPS);
	/* An empty list (a user without a list) scores 0 everywhere. */
	rec_metrics_ranking(NULL, 0, two, 1, 10, &r);
	CHECK(r.nhit == 0 && r.precision == 0 && r.recall == 0 && r.ndcg == 0 &&
	      r.hit == 0 && r.rr == 0);
}

TEST(metrics_coverage)
{
	/* counts 0 1 2 0: 2 of 4 items recommended: 0.5. */
	const uint64_t c[] = { 0, 1, 2, 0 };

	CHECK_NEAR(rec_metrics_coverage(c, 4), 0.5, EPS);
	CHECK(isnan(rec_metrics_coverage(c, 0)));
}

TEST(metrics_gini)
{
	/* Equal exposure 2 2 2 2: G = 0.
	 * All on one item, 0 0 0 4 (n = 4): sorted ascending, only c_4 = 4:
	 *   G = (2*4 - 4 - 1) * 4 / (4 * 4) = 12/16 = 0.75 = 1 - 1/n.
	 * 1 3 3 2 3 0 (n = 6, total 12): sorted 0 1 2 3 3 3,
	 *   sum (2i - 7) c_i = -5*0 - 3*1 - 1*2 + 1*3 + 3*3 + 5*3 = 22,
	 *   G = 22 / (6 * 12) = 0.305556. */
	const uint64_t eq[] = { 2, 2, 2, 2 }, one[] = { 0, 0, 4, 0 };
	const uint64_t mix[] = { 1, 3, 3, 2, 3, 0 }, none[] = { 0, 0 };
	struct rec_err err;
	double g;

	CHECK(rec_metrics_gini(eq, 4, &g, &err) == 0 && fabs(g) < EPS);
	CHECK(rec_metrics_gini(one, 4, &g, &err) == 0);
	CHECK_NEAR(g, 0.75, EPS);
	CHECK(rec_metrics_gini(mix, 6, &g, &err) == 0);
	CHECK_NEAR(g, 22.0 / 72, EPS);
	CHECK(rec_metrics_gini(none, 2, &g, &err) == 0 && isnan(g));
	CHECK(rec_metrics_gini(none, 0, &g, &err) == 0 && isnan(g));
	rec_alloc_fail_after(0, 1);
	CHECK(rec_metrics_gini(mix, 6, &g, &err) == -1);
	rec_alloc_fail_after(-1, 0);
	CHECK(strcmp(err.msg, "out of memory") == 0);
}

TEST(metrics_novelty)
{
	/* 4 train users; pop 4, 2, 1: p = 1, 1/2, 1/4: -log2 p = 0, 1, 2;
	 * an item outside the catalog (-1): p = 1/(4+1), -log2 p = log2 5.
	 * items 0 1 2 -1: (0 + 1 + 2 + 2.321928) / 4 = 1.330482. */
	const uint32_t pop[] = { 4, 2, 1 };
	const int32_t items[] = { 0, 1, 2, -1 };

	CHECK_NEAR(rec_metrics_novelty(items, 4, pop, 4), (3 + log2(5)) / 4, EPS);
	CHECK_NEAR(rec_metrics_novelty(items, 3, pop, 4), 1, EPS);
	CHECK(isnan(rec_metrics_novelty(items, 0, pop, 4)));
}

TEST(metrics_short_head_longtail)
{
	/* ids 10 20 40 30 with pop 4 2 1 1 (total 8, 80% = 6.4): by pop,
	 * ties by id: 10 (cum 4), 20 (6), 30 (7 >= 6.4, stop).  So index 3
	 * (id 30) is in the head and index 2 (id 40), of equal pop, not. */
	const uint32_t pop[] = { 4, 2, 1, 1 };
	const int64_t ids[] = { 10, 20, 40, 30 };
	uint8_t head[4];
	struct rec_err err;

	CHECK(rec_metrics_short_head(pop, ids, 4, 0.8, head, &err) == 0);
	CHECK(head[0] == 1 && head[1] == 1 && head[2] == 0 && head[3] == 1);
	/* items 0 2 -1 3: tail are index 2 and the unknown item: 2/4. */
	const int32_t items[] = { 0, 2, -1, 3 };
	CHECK_NEAR(rec_metrics_longtail(items, 4, head), 0.5, EPS);
	CHECK(isnan(rec_metrics_longtail(items, 0, head)));
	rec_alloc_fail_after(0, 1);
	CHECK(rec_metrics_short_head(pop, ids, 4, 0.8, head, &err) == -1);
	rec_alloc_fail_after(-1, 0);
}

TEST(metrics_diversity)
{
	/* Genres: A = bit 0, C = bit 1, D = bit 2.
	 * List {A|C, C, D}: pairs (A|C, C): J = 1/2, d = 0.5;
	 * (A|C, D): J = 0, d = 1; (C, D): d = 1; mean 2.5/3 = 0.833333. */
	const uint64_t three[] = { 3, 2, 4 };
	/* {A|C, none, C}: only the pair (A|C, C) counts: 0.5. */
	const uint64_t gap[] = { 3, 0, 2 };
	const uint64_t same[] = { 5, 5 }, empty[] = { 0, 0, 0 };
	double d;

	CHECK(rec_metrics_diversity(three, 3, &d) == 3);
	CHECK_NEAR(d, 2.5 / 3, EPS);
	CHECK(rec_metrics_diversity(gap, 3, &d) == 1);
	CHECK_NEAR(d, 0.5, EPS);
	CHECK(rec_metrics_diversity(same, 2, &d) == 1 && d == 0);
	CHECK(rec_metrics_diversity(empty, 3, &d) == 0 && isnan(d));
	CHECK(rec_metrics_diversity(three, 1, &d) == 0 && isnan(d));
	CHECK(rec_metrics_diversity(NULL, 0, &d) == 0 && isnan(d));
}
