# history.gp - one series of runs over time or kernel versions (bench history).
#
# datafile: one row per run, in order: position (0..n-1), the median of
#   the run's repetitions, their min, their max, the kernel release (x tic
#   label) and the mean of the segment between change points it lies in.
# plottitle, ylab, xlab: title and axis labels.
# cps: x positions of the change points (between two runs, "7.5 12.5"),
# cplabels: their relative changes ("-15.0% +6.2%"), word for word.
# badx: the position of the newest run when `bench history` calls it a
#   regression (else ""), badlabel: what to write there.
load plotdir.'/common.gp'

set title plottitle
set ylabel ylab
set xlabel xlab
set xtics rotate by 30 right nomirror
set key inside bottom left opaque
set offsets 0.5, 0.5, 0, 0
set yrange [0:*]

do for [i=1:words(cps)] {
	x = word(cps, i) + 0
	set arrow i from x, graph 0 to x, graph 1 nohead lc rgb "#d62728" lw 2 dt 2 front
	set label i word(cplabels, i) at x, graph 0.96 offset 0.5, 0 left tc rgb "#d62728" front
}

if (badx ne '') {
	set label 99 badlabel at badx + 0, graph 0.06 center tc rgb "#d62728" front
	set arrow 99 from badx + 0, graph 0.09 to badx + 0, graph 0.2 lc rgb "#d62728" lw 2 front
}

plot datafile using 1:2:3:4:xtic(5) with yerrorbars lt 1 title "median of the run, bars min..max", \
     '' using 1:2 with lines lt 1 lw 1 notitle, \
     '' using 1:6 with histeps lt 4 lw 1 dt 3 title "level between change points"

@svg_terminal
set output outbase.'.svg'
replot
