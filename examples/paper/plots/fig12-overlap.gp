# Figure 12: per user, the genres of the liked history and of the list
# (rec-genres --overlap, the mean row of each model).
load 'plots/style.gp'
set title sprintf('Genres per user: liked history (>= %s stars) vs top-%s list, mean over users (seed 1)', liked, k)
set ylabel 'genres per user'
set style data histograms
set style histogram rowstacked gap 1
set boxwidth 0.6
set yrange [0:*]
set key outside right top
plot in using 5:xtic(1) title 'only in history' lc rgb c2, \
     '' using 4 title 'in both' lc rgb c3, \
     '' using 6 title 'only in the list (new)' lc rgb c1
