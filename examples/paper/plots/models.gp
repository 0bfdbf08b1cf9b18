# The main metrics across the models (results.tsv: mean and sd over the
# seeds; '-' where a model has no such metric or one run only).
load 'plots/style.gp'
v(c) = strcol(c) eq '-' ? NaN : column(c)
sd(c) = strcol(c) eq '-' ? 0 : column(c)
# The rating panel only where some model predicts ratings (MODELS may hold
# ranking models only).
stats in using (strcol('rmse') eq '-' ? 0 : 1) nooutput
rated = STATS_sum > 0
set multiplot layout 1,1+rated title sprintf('The models on the test ratings (mean and sd over the seeds)')
set style data histograms
set style histogram errorbars gap 1 lw 1
set boxwidth 0.9
set xtics rotate by -40 left
set yrange [0:*]
set title 'rating error (lower is better)'
set key top right
if (rated) {
plot in using (v('rmse')):(sd('rmse_sd')):xtic(1) title 'RMSE' lc rgb c4, \
     '' using (v('mae')):(sd('mae_sd')) title 'MAE' lc rgb c2
}
set title sprintf('full ranking @%s (higher is better)', k)
set key top left
plot in using (v(sprintf('precision@%s', k))):(sd(sprintf('precision@%s_sd', k))):xtic(1) title 'precision' lc rgb c1, \
     '' using (v(sprintf('recall@%s', k))):(sd(sprintf('recall@%s_sd', k))) title 'recall' lc rgb c2, \
     '' using (v(sprintf('ndcg@%s', k))):(sd(sprintf('ndcg@%s_sd', k))) title 'NDCG' lc rgb c3
unset multiplot
