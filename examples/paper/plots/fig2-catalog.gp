# Figure 2: movies per genre in the catalogue (rec-genres --catalog).
load 'plots/style.gp'
set title 'Movies per genre in movies.csv (a movie may have several genres)'
set ylabel 'movies'
set xtics rotate by -40 left
set boxwidth 0.75
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
plot in using 0:2:xtic(1) with boxes lc rgb c1 notitle, \
     '' using 0:2:(sprintf('%d', $2)) with labels offset 0,0.6 font ',9' notitle
