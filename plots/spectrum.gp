# spectrum.gp - the latency percentile spectrum of one scenario, as
# HdrHistogram plots it: x is 1/(1-percentile) on a log scale, so the tail
# (99%, 99.9%, ...) gets as much room as the median.
#
# datafile: one block per model, in the order of `models`; columns:
#   latency_us, percentile (0..1), 1/(1-percentile).
# scenario: which scenario (and repetition) this is.
load plotdir.'/common.gp'

set title sprintf("Latency by percentile, %s (the repetition with the median throughput)", scenario)
set xlabel "percentile"
set ylabel "latency (ms, log scale)"
set logscale xy
set xrange [1:1000000]
# Explicit tic labels are printf formats too, hence "%%".
set xtics ("0%%" 1, "90%%" 10, "99%%" 100, "99.9%%" 1000, "99.99%%" 10000, \
           "99.999%%" 100000, "99.9999%%" 1000000)
set format y "%g"
set key outside right top

plot for [i=1:words(models)] datafile index (i-1) using 3:($1/1000.0) \
     with lines lt lt_of(i) title legend_of(i)

@svg_terminal
set output outbase.'.svg'
replot
