# common.gp - look shared by every plot, loaded first by each script.
#
# The harness calls each script as
#   gnuplot -e "plotdir='...'; datafile='...'; outbase='...'; ..." plots/X.gp
# and each script draws once as PNG and once as SVG (outbase.png, .svg).

# Thirteen models and counting: give each its own colour and point shape,
# so lines stay tellable apart after gnuplot's default 8 colours run out.
set linetype 1  lc rgb "#1f77b4" pt 7  lw 2
set linetype 2  lc rgb "#ff7f0e" pt 5  lw 2
set linetype 3  lc rgb "#2ca02c" pt 9  lw 2
set linetype 4  lc rgb "#d62728" pt 11 lw 2
set linetype 5  lc rgb "#9467bd" pt 13 lw 2
set linetype 6  lc rgb "#8c564b" pt 15 lw 2
set linetype 7  lc rgb "#e377c2" pt 4  lw 2
set linetype 8  lc rgb "#7f7f7f" pt 6  lw 2
set linetype 9  lc rgb "#bcbd22" pt 8  lw 2
set linetype 10 lc rgb "#17becf" pt 10 lw 2
set linetype 11 lc rgb "#393b79" pt 12 lw 2
set linetype 12 lc rgb "#e7ba52" pt 14 lw 2
set linetype 13 lc rgb "#637939" pt 1  lw 2
set linetype 14 lc rgb "#843c39" pt 2  lw 2
set linetype 15 lc rgb "#7b4173" pt 3  lw 2
set linetype cycle 15

set grid
set key outside right top
set datafile missing "-"
set encoding utf8

# Model names contain "_" and "-": print them as they are.
png_terminal = 'set terminal pngcairo size 1100,620 font "DejaVu Sans,10" noenhanced'
svg_terminal = 'set terminal svg size 1100,620 dynamic font "DejaVu Sans,10" noenhanced background "white"'
@png_terminal
set output outbase.'.png'
