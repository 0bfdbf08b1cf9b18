# Figure 5: NCF's learning curves (rec-train-ncf --log; columns phase
# epoch loss valid_rmse valid_precision@10 valid_recall@10 valid_f1@10
# seconds), the early-stopping phase.
load 'plots/style.gp'
fit(c) = strcol(1) eq 'fit' ? column(c) : NaN
set multiplot layout 1,2 title 'NCF (seed 1) by epoch, on the validation ratings'
set xlabel 'epoch'
set ylabel 'RMSE (stars)'
set key top right
plot in using 2:(fit(4)) with linespoints pt 7 ps 0.6 lc rgb c4 title 'RMSE'
set ylabel 'rated-items metric @10'
set key bottom right
plot in using 2:(fit(5)) with linespoints pt 7 ps 0.6 lc rgb c1 title 'precision', \
     '' using 2:(fit(6)) with linespoints pt 5 ps 0.6 lc rgb c2 title 'recall', \
     '' using 2:(fit(7)) with linespoints pt 9 ps 0.6 lc rgb c3 title 'F1'
unset multiplot
