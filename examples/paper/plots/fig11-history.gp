# Figure 11: the genres of what users liked against what they were
# recommended (rec-genres --history --liked).
load 'plots/style.gp'
set title sprintf('Share of genre labels: history rated >= %s stars vs top-%s lists of %s (seed 1)', liked, k, model)
set ylabel 'share of genre labels'
set xtics rotate by -40 left
set rmargin 8
set style data histograms
set style histogram clustered gap 1
set boxwidth 0.9
set yrange [0:*]
set key top right
plot in using 7:xtic(1) title sprintf('history (>= %s stars)', liked) lc rgb c2, \
     '' using 3 title 'recommended' lc rgb c1
