# p99.gp - 99th percentile latency against the series' x, one line
# per model (the same data file as throughput.gp, columns 5-7).
load plotdir.'/common.gp'

set title sprintf("p99 latency (%s) - median of repetitions, bars min..max", series)
# xlabel and logx come from the harness (the series' x column); a caller
# that gives neither gets connections on a log scale.
if (!exists("xlabel")) xlabel = "concurrent connections (log scale)"
if (!exists("logx")) logx = 1
set xlabel xlabel
set ylabel "p99 latency (ms, log scale)"
set logscale y
if (logx) set logscale x
set format y "%g"

plot for [i=1:words(models)] datafile index (i-1) \
     using 1:($5/1000.0):($6/1000.0):($7/1000.0) with yerrorlines lt lt_of(i) title legend_of(i)

@svg_terminal
set output outbase.'.svg'
replot
