# ranked.gp - one load, every model: a bar per model, sorted from the
# highest median to the lowest, each in the model's own colour, with its
# min..max as an interval (log scale: the iterative model is orders of
# magnitude below the others).
#
# datafile: one row per model, already sorted; columns: model, median, min,
#   max, line type (harness/report/style.c), family.
# title, ylabel: text.
load plotdir.'/common.gp'

set title title
set ylabel ylabel
set logscale y
set format y "%.0s%c"
set style fill solid 0.85 border -1
set boxwidth 0.7
set xtics rotate by -30 nomirror
set grid noxtics ytics
set key off
set xrange [-0.6:*]

plot datafile using 0:2:(0.7):5:xtic(1) with boxes lc variable, \
     '' using 0:2:3:4 with yerrorbars lc rgb "black" pt -1 lw 1

@svg_terminal
set output outbase.'.svg'
replot
