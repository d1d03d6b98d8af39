# cpu.gp - server CPU time (user + system, whole process tree) per request,
# one group of bars per model, one bar per scenario.
#
# datafile: one row per model; column 1 the model, then for each scenario
#   of `scenarios` three columns: median, min, max ("-" when no run was ok).
load plotdir.'/common.gp'

set title "Server CPU per request (user+system, from wait4) - median, bars min..max"
set ylabel "CPU microseconds per request"
set style data histograms
set style histogram errorbars gap 2 lw 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics rotate by -30 nomirror
set yrange [0:*]
set grid noxtics ytics

plot for [i=1:words(scenarios)] datafile \
     using (column(3*i-1)):(column(3*i)):(column(3*i+1)):xtic(1) title word(scenarios, i)

@svg_terminal
set output outbase.'.svg'
replot
