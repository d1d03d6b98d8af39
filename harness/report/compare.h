/*
 * compare.h - `bench compare`: which differences between two sets of runs
 * are real, and which the tool cannot tell from noise.
 *
 * A benchmark number moves for reasons that have nothing to do with the
 * change under test: the repetitions of one run scatter by a few percent,
 * and whole runs of one build, minutes apart, drift by more (8-13% on the
 * 2-core machine this was written on).  An interval built from the
 * repetitions of one run never sees that drift, so a comparison of a build
 * with itself "finds" regressions.  compare therefore:
 *
 *   - builds the interval from the level that varies most that it has data
 *     for (Kalibera and Jones, "Rigorous benchmarking in reasonable time"):
 *     repetitions within one run; the repetitions of two builds interleaved
 *     in one run (`bench run --build A --build B`: drift between runs
 *     cannot show up as a difference); or whole runs, each run's median one
 *     observation (runs within one boot, or boots), when a side is several
 *     result folders - and says which;
 *   - calls a change, per cell (scenario x model) and metric, only when the
 *     whole 95% bootstrap interval of the change in the median lies outside
 *     +-threshold (criterion's rule) AND the Mann-Whitney rank test's
 *     p-value, corrected for the number of cells x metrics tested
 *     (Benjamini-Hochberg), is a discovery;
 *   - says "too few repetitions to detect a 5% change (need N)" instead of
 *     a verdict when no test of that size could be significant, or when the
 *     interval is wider than the threshold;
 *   - with one run per side, says the drift between runs is not in the
 *     interval, and calls nothing ("cannot tell") unless it is given the
 *     host's measured drift (--drift), then only changes beyond it;
 *   - prints, before any verdict, what differs between the two sides'
 *     meta.json besides the kernel (CPU, core split, compiler, commit,
 *     governor, load, boot).
 *
 * Output follows LKP's `lkp compare`: "A ±%stddev  %change  B ±%stddev
 * metric", main metrics first, then the side metrics (CPU, system calls,
 * memory per request).
 */
#ifndef BENCH_REPORT_COMPARE_H
#define BENCH_REPORT_COMPARE_H

/* argv[0] is "compare".  Returns the exit status: 0, 1 if any cell got
 * slower, 2 on bad usage. */
int compare_main(int argc, char **argv);

#endif
