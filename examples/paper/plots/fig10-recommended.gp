# Figure 10: the genres of the recommendations against the catalogue
# (rec-genres with --history; columns genre rec rec_share catalog
# catalog_share history history_share).
load 'plots/style.gp'
set title sprintf('Share of genre labels: top-%s lists of %s (seed 1) and the catalogue', k, model)
set ylabel 'share of genre labels'
set xtics rotate by -40 left
set rmargin 8
set style data histograms
set style histogram clustered gap 1
set boxwidth 0.9
set yrange [0:*]
set key top right
plot in using 3:xtic(1) title 'recommended' lc rgb c1, \
     '' using 5 title 'catalogue' lc rgb c3
