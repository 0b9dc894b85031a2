# ratios.gp - the plot of `make bench`, from report.awk's data:
#   gnuplot -e "datafile='ratios.dat'; outfile='ratios.png'; heading='...'" ratios.gp
# Left: each server's rate as a fraction of the machine's floor (higher
# is better).  Right: LIST/MLSD time and idle memory per session relative
# to sandftpd (sandftpd = 1; lower is better).
set terminal pngcairo size 1100,460 font "sans,10"
set output outfile
set datafile missing "-"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top left autotitle columnheader
set grid ytics
set yrange [0:*]
if (!exists("heading")) heading = ""
set multiplot layout 1,2 title heading font "sans,11"

set title "rate / machine floor (higher is better)"
set ylabel "fraction of floor"
plot for [c=2:*] datafile index 0 using c:xtic(1), \
	1 with lines lc rgb "black" dt 2 title "floor"

set title "relative to sandftpd (lower is better)"
set ylabel "figure / sandftpd's"
plot for [c=2:*] datafile index 1 using c:xtic(1), 1 with lines lc rgb "black" dt 2 notitle

unset multiplot
