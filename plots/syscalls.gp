# syscalls.gp - system calls the server tree made per request, counted with
# perf stat -e raw_syscalls:sys_enter (or strace -c) in a separate short
# pass, one group of bars per model, one bar per scenario.  What it shows:
# the kernel crossings a model pays for each request (read + write = 2 for
# a plain reactor; io_uring batches them into fewer io_uring_enter calls).
#
# datafile: one row per model; column 1 the model, then for each scenario
#   of `scenarios` three columns: median, min, max ("-" when not counted).
load plotdir.'/common.gp'

set title "System calls per request (server tree, perf stat raw_syscalls:sys_enter)"
set ylabel "system calls per request"
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
