# style.gp - loaded by every figure: the terminal for fmt ('.png' or
# '.svg'), the output file out, and the common look.
if (fmt eq '.svg') {
	set terminal svg size 960,540 dynamic noenhanced font 'sans,13' background rgb 'white'
} else {
	set terminal pngcairo size 960,540 noenhanced font 'sans,11'
}
set output out
set datafile separator '\t'
set key autotitle columnhead noenhanced
set border 3
set tics nomirror
set grid ytics lc rgb '#dddddd'
set style fill solid 0.9 border -1
c1 = '#4c72b0'
c2 = '#dd8452'
c3 = '#55a868'
c4 = '#c44e52'
