# families.gp - the throughput plot of a crowded series as small multiples:
# one panel per model family (harness/report/style.c), on shared axes, so
# that models of one kind are compared among themselves without thirteen
# lines crossing, and the panels against each other by position.
#
# datafile, models, styles, families, series, xlabel, logx: as for
# throughput.gp (columns: x, requests/s median, min, max, ...).
load plotdir.'/common.gp'

# The families present, in the order their models come (style.c's order).
fams = ""
do for [i=1:words(families)] {
	f = word(families, i)
	if (strstrt(" ".fams." ", " ".f." ") == 0) { fams = fams." ".f }
}
n = words(fams)
rows = (n + 2) / 3

# Shared axes: the whole data's ranges, in every panel.
stats datafile using 1 nooutput
xmin = STATS_min
xmax = STATS_max
stats datafile using 4 nooutput
ymax = STATS_max * 1.05

if (!exists("xlabel")) xlabel = "concurrent connections (log scale)"
if (!exists("logx")) logx = 1
if (logx) set logscale x
set xrange [xmin:xmax]
set yrange [0:ymax]
set format y "%.0s%c"
set key top right inside font ",8"
in(i, fam) = word(families, i) eq fam

do for [pass=1:2] {
	if (pass == 2) { @svg_terminal; set output outbase.'.svg' }
	set multiplot layout rows, 3 title sprintf("Throughput (%s) by family - same axes in every panel, bars min..max", series)
	do for [k=1:n] {
		fam = word(fams, k)
		set title fam
		set xlabel (k > n - 3 ? xlabel : "")
		set ylabel (k % 3 == 1 ? "requests per second" : "")
		plot for [i=1:words(models)] datafile index (i-1) \
		     using 1:(in(i, fam) ? $2 : NaN):(in(i, fam) ? $3 : NaN):(in(i, fam) ? $4 : NaN) \
		     with yerrorlines lt lt_of(i) title (in(i, fam) ? word(models, i) : "")
	}
	unset multiplot
}
