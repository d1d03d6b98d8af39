# p99.gp - 99th percentile latency against concurrent connections, one line
# per model (the same data file as throughput.gp, columns 5-7).
load plotdir.'/common.gp'

set title sprintf("p99 latency vs connections (%s) - median of repetitions, bars min..max", series)
set xlabel "concurrent connections (log scale)"
set ylabel "p99 latency (ms, log scale)"
set logscale xy
set format y "%g"

plot for [i=1:words(models)] datafile index (i-1) \
     using 1:($5/1000.0):($6/1000.0):($7/1000.0) with yerrorlines title word(models, i)

@svg_terminal
set output outbase.'.svg'
replot
