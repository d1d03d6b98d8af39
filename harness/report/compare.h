/*
 * compare.h - `bench compare A B`: which differences between two result
 * folders are real.
 *
 * For every scenario x model present in both, the medians of one metric,
 * the relative change B/A - 1 with a 95% bootstrap confidence interval over
 * the repetitions, and a verdict: "faster" or "slower" when the interval
 * excludes zero and the change is beyond the threshold, else "no
 * significant change".  With few repetitions the interval is wide: that is
 * the honest answer, and the reason the full suite runs more of them.
 */
#ifndef BENCH_REPORT_COMPARE_H
#define BENCH_REPORT_COMPARE_H

/* argv[0] is "compare".  Returns the exit status: 0, 1 if anything got
 * slower beyond the threshold, 2 on bad usage. */
int compare_main(int argc, char **argv);

#endif
