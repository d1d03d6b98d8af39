# batch.gp - wall time of one whole batch (N clients x M messages) per
# model, timed by hyperfine: median bar, min..max error bar.  A model cut
# off by the time bound is labelled so.
#
# datafile: one row per model: model, median_s, min_s, max_s, label
#   (label is "-" or "cut off at N s").
# batch: the batch's name and shape, for the title.
load plotdir.'/common.gp'

set title sprintf("Batch %s, timed by hyperfine - median, bars min..max", batch)
set ylabel "seconds for the whole batch"
set style data histograms
set style histogram errorbars gap 1 lw 1
set style fill solid 0.85 border -1
set boxwidth 0.8
set xtics rotate by -30 nomirror
set yrange [0:*]
set grid noxtics ytics
set key off

plot datafile using 2:3:4:xtic(1) lt 1, \
     '' using ($0):($4):(stringcolumn(5) eq "-" ? "" : stringcolumn(5)) \
        with labels offset 0,1 notitle

@svg_terminal
set output outbase.'.svg'
replot
