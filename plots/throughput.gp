# throughput.gp - requests/s against the series' x (concurrent connections,
# idle connections, work, pipelining depth, ...), one line per model: where
# each model peaks, and where it falls over.
#
# datafile: one block per model (blocks separated by two blank lines), in
#   the order of `models`; columns: x, then requests/s median,
#   min, max (then p99 median, min, max, used by p99.gp).
# models: the model names, space separated.  series: the scenario family.
load plotdir.'/common.gp'

set title sprintf("Throughput (%s) - median of repetitions, bars min..max", series)
# xlabel and logx come from the harness (the series' x column); a caller
# that gives neither gets connections on a log scale.
if (!exists("xlabel")) xlabel = "concurrent connections (log scale)"
if (!exists("logx")) logx = 1
set xlabel xlabel
set ylabel "requests per second"
if (logx) set logscale x
set yrange [0:*]
set format y "%.0s%c"

plot for [i=1:words(models)] datafile index (i-1) using 1:2:3:4 \
     with yerrorlines lt lt_of(i) title legend_of(i)

@svg_terminal
set output outbase.'.svg'
replot
