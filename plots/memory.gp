# memory.gp - peak resident memory of the server's whole process tree
# (prefork's workers included), same layout as cpu.gp, values in KiB.
load plotdir.'/common.gp'

set title "Server peak memory (RSS summed over its processes) - median, bars min..max"
set ylabel "peak RSS (MiB, log scale)"
set style data histograms
set style histogram errorbars gap 2 lw 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics rotate by -30 nomirror
set logscale y
set format y "%g"
set grid noxtics ytics

plot for [i=1:words(scenarios)] datafile \
     using (column(3*i-1)/1024.0):(column(3*i)/1024.0):(column(3*i+1)/1024.0):xtic(1) \
     title word(scenarios, i)

@svg_terminal
set output outbase.'.svg'
replot
