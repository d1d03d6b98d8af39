# rps.gp - requests per second of every model in every scenario,
# one group of bars per model, one bar per scenario (log scale: the
# iterative model is orders of magnitude below the others).
#
# datafile: one row per model; column 1 the model, then for each scenario
#   of `scenarios` three columns: median, min, max ("-" when no run was ok).
# title: optional (the blocking comparison of the slow experiment uses
#   this script with its own bars).
load plotdir.'/common.gp'

if (!exists("title")) title = "Throughput per scenario - median of repetitions, bars min..max"
set title title
set ylabel "requests per second (log scale)"
set logscale y
set format y "%.0s%c"
set style data histograms
set style histogram errorbars gap 2 lw 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics rotate by -30 nomirror
set grid noxtics ytics

plot for [i=1:words(scenarios)] datafile \
     using (column(3*i-1)):(column(3*i)):(column(3*i+1)):xtic(1) title word(scenarios, i)

@svg_terminal
set output outbase.'.svg'
replot
