# common.gp - look shared by every plot, loaded first by each script.
#
# The harness calls each script as
#   gnuplot -e "plotdir='...'; datafile='...'; outbase='...'; ..." plots/X.gp
# and each script draws once as PNG and once as SVG (outbase.png, .svg).

# One colour and point shape per model, the same in every plot: line type
# k is row k of the table in harness/report/style.c, which passes each
# plot's `styles` (a line type per model) and `families`.  Families share
# a hue: reds and browns for a thread or process per connection, blues for
# readiness loops, greens for the event libraries, purple for completion,
# pinks for user-space scheduling; 16-20 are for models not in the table.
set linetype 1  lc rgb "#d62728" pt 7  lw 2   # iterative
set linetype 2  lc rgb "#ff7f0e" pt 5  lw 2   # thread-per-conn
set linetype 3  lc rgb "#c49c28" pt 9  lw 2   # prefork
set linetype 4  lc rgb "#8c564b" pt 11 lw 2   # thread-pool
set linetype 5  lc rgb "#7fb2dc" pt 13 lw 2   # select
set linetype 6  lc rgb "#4a90c8" pt 15 lw 2   # poll
set linetype 7  lc rgb "#1f5fa8" pt 4  lw 2   # epoll
set linetype 8  lc rgb "#0b2a63" pt 6  lw 2   # epoll-reuseport
set linetype 9  lc rgb "#17becf" pt 8  lw 2   # epoll-offload
set linetype 10 lc rgb "#2ca02c" pt 10 lw 2   # libevent
set linetype 11 lc rgb "#7fc97f" pt 12 lw 2   # libev
set linetype 12 lc rgb "#637939" pt 14 lw 2   # libuv
set linetype 13 lc rgb "#9467bd" pt 1  lw 2   # io-uring
set linetype 14 lc rgb "#e377c2" pt 2  lw 2   # green-threads
set linetype 15 lc rgb "#a0306e" pt 3  lw 2   # coroutines
set linetype 16 lc rgb "#7f7f7f" pt 7  lw 2 dt 2
set linetype 17 lc rgb "#bcbd22" pt 5  lw 2 dt 2
set linetype 18 lc rgb "#000000" pt 9  lw 2 dt 2
set linetype 19 lc rgb "#e7969c" pt 11 lw 2 dt 2
set linetype 20 lc rgb "#9edae5" pt 13 lw 2 dt 2
set linetype cycle 20

# A line's style and legend entry ("epoll (readiness)"); a caller that
# passes no styles (an older harness) gets the plain cycle.
lt_of(i) = exists("styles") ? word(styles, i) + 0 : i
legend_of(i) = exists("families") ? sprintf("%s (%s)", word(models, i), word(families, i)) : word(models, i)

set grid
set key outside right top
set datafile missing "-"
set encoding utf8

# Model names contain "_" and "-": print them as they are.
png_terminal = 'set terminal pngcairo size 1100,620 font "DejaVu Sans,10" noenhanced'
# The SVGs are interactive with no network: `mouse standalone` embeds
# gnuplot's own script, so clicking a legend entry hides its line and the
# pointer's coordinates show as it moves.
svg_terminal = 'set terminal svg size 1100,620 dynamic mouse standalone font "DejaVu Sans,10" noenhanced background "white"'
@png_terminal
set output outbase.'.png'
