# xy.gp - one measure against the series' x, one line per model, for the
# experiment plots that are not throughput or p99: memory per idle
# connection (c10k), MB/s against echo message size, connect time.
#
# datafile: one block per model (blocks separated by two blank lines), in
#   the order of `models`; columns: x, median, min, max.
# models, title, xlabel, ylabel: text; logx, logy: 0 or 1.
load plotdir.'/common.gp'

set title title
set xlabel xlabel
set ylabel ylabel
if (logx) set logscale x
if (logy) set logscale y; else set yrange [0:*]
set format y "%g"

plot for [i=1:words(models)] datafile index (i-1) using 1:2:3:4 \
     with yerrorlines lt lt_of(i) title legend_of(i)

@svg_terminal
set output outbase.'.svg'
replot
