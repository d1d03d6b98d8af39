/*
 * history.h - `bench history [DIR...]`: one measurement followed across many
 * runs, kernels and months.
 *
 * `bench compare` answers "is B different from A?".  A kernel developer
 * tracking regressions asks a longer question: "over the last forty
 * kernels, where did this number move?".  history answers it the way the
 * performance CIs of asv, MongoDB and Apache Otava do:
 *
 *   1. Every run folder (a runs.csv and its meta.json) is cut into cells,
 *      and each cell goes to a *series* named by its fingerprint: suite,
 *      scenario, model, host CPU model, core split (server_cpus /
 *      client_cpus) and, if runs.csv has a `build` column, the build.
 *      Runs with different fingerprints measure different things and are
 *      never lined up together.
 *   2. A series is one point per run - the median of its repetitions, with
 *      their min..max - ordered by date, or by kernel version (`--by
 *      kernel`, compared numerically field by field: 6.1.9 < 6.1.10).
 *   3. The change points of the medians are found by data/changepoint.h
 *      (E-divisive means and a windowed Welch test), keeping only changes
 *      of at least `--min-change` (default 5%).
 *   4. results/history/index.html (`--out DIR`) shows a table of series
 *      and a gnuplot trend plot per series and metric (plots/history.gp):
 *      kernel versions on the x axis, a dashed line at every change point
 *      labelled with its % change.
 *
 * `--check` makes it a gate for a nightly job: exit status 1 when the
 * newest run of a series is a regression (a change point falls on it, or
 * it lies outside the range of the runs since the last change point by
 * more than --min-change, in the direction data/metrics.h calls worse).
 */
#ifndef BENCH_REPORT_HISTORY_H
#define BENCH_REPORT_HISTORY_H

/* argv[0] is "history".  Returns the exit status: 0, 1 when --check finds
 * a regression, 2 on bad usage (die()). */
int history_main(int argc, char **argv);

#endif
