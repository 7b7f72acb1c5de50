// Package analysis provides the checks that decide whether a deployment step
// passes or rolls back: a Mann-Whitney U test, a Kayenta-style canary judge
// built on it, Argo Rollouts' measurement rules, and Flagger's threshold
// checks.
//
// Everything here is pure and deterministic: nothing reads a clock or a
// random source, map iteration never decides an order, and the stateful
// evaluators change only when a controller feeds them a measurement. Time is
// the caller's business; the evaluators only say what interval the real tool
// would wait.
//
// # Mann-Whitney U
//
// [MannWhitneyU] ranks the pooled sample, giving tied values their average
// rank, and reports U = R₁ − n₁(n₁+1)/2, the number of pairs with x > y, ties
// counting ½. Under the null hypothesis U has mean μ = n₁n₂/2 and, with ties,
//
//	σ² = n₁n₂/12 · ((N+1) − Σ(t³−t) / (N(N−1)))   N = n₁+n₂, t = size of each tie group
//
// The p-value uses the normal approximation with a continuity correction of
// ½ toward the mean:
//
//	greater:   z = (U − μ − ½)/σ        p = 1 − Φ(z)
//	less:      z = (U − μ + ½)/σ        p = Φ(z)
//	two-sided: z = sign(U−μ)·max(|U−μ| − ½, 0)/σ    p = min(1, 2(1 − Φ(|z|)))
//
// which matches scipy.stats.mannwhitneyu(x, y, use_continuity=True,
// method="asymptotic"). The exact distribution is not implemented, so for
// tiny samples without ties p differs from scipy's default method="auto"
// (exact when both samples have at most 8 values). When every value is tied,
// σ = 0 and the result is z = 0, p = 1. Φ is gonum's distuv.UnitNormal.
//
// The rank statistics come from one merge of the two sorted samples, so a
// test costs two sorts and no allocation once a [Ranker]'s buffers are grown;
// [MannWhitneyUSorted] skips the sorts.
//
// [Ranker.ShiftInterval] inverts the test to estimate the location shift
// x − y with a confidence interval, as R's wilcox.test(conf.int = TRUE) does
// in its asymptotic branch and Kayenta ports: the bounds are the shifts d at
// which the continuity-corrected statistic of x − d against y equals ±z₁₋α/₂,
// and the estimate is where it is zero. The statistic is a step function of
// d with steps at the pairwise differences; it is solved by bisection on its
// sign, which is exact to floating-point resolution at any scale of data.
//
// # Kayenta judge
//
// [Judge] follows Spinnaker Kayenta's NetflixACAJudge (MannWhitneyClassifier,
// WeightedSumScorer, ThresholdScoreClassifier). For each metric:
//
//  1. NaNs are removed (NaNRemove) or replaced by 0 (NaNReplace); outliers
//     are removed only with OutliersRemove, outside the fences
//     [min(P1, Q1 − f·IQR), max(P99, Q3 + f·IQR)], f = 3 by default.
//  2. If a side is empty: Nodata, or NodataFailMetric for a MustHaveData,
//     non-critical metric; a Critical metric's Nodata is a critical failure.
//     (With NaNReplace an empty side is a Pass, as in Kayenta.)
//  3. Identical sorted samples, or a single distinct value overall: Pass.
//  4. Otherwise the shift canary − baseline gets a 98% interval. The metric
//     is High if the direction allows it, the whole interval lies above
//     0.25·|estimate|, and the effect size is at least AllowedIncrease; Low
//     symmetrically (interval below −0.25·|estimate|, effect size at most
//     AllowedDecrease). The effect size is the mean ratio canary/baseline or
//     the common-language effect size; when it is NaN (a zero mean) its gate
//     is skipped.
//  5. A Critical metric that is High with effect size ≥ CriticalIncrease (or
//     Low with ≤ CriticalDecrease, or NaN) is a critical failure.
//
// Scoring skips muted metrics. A group's score is 100·Pass/(Pass + High +
// Low + NodataFailMetric); a group with none of those counts as 100. The
// summary is Σ score·weight/100, where groups without a configured weight
// share (100 − Σ configured weights) equally, rounded to two decimals. Any
// critical failure, or Nodata on at least half the metrics, forces the score
// to 0. The verdict is Pass if score ≥ Scores.Pass, Marginal if ≥
// Scores.Marginal, else Fail.
//
// # Argo Rollouts
//
// [Evaluator] applies the rules of Argo Rollouts' analysis controller to one
// metric of an AnalysisTemplate. A measurement is Error if its provider
// failed or a condition could not be evaluated; otherwise Failed if
// failureCondition holds (even if successCondition holds too), Successful if
// successCondition holds, else Inconclusive. With only one condition, the
// other is its negation; with none, every measurement is Successful.
//
// After each measurement the metric is, in this order of precedence: Error
// if consecutive errors > consecutiveErrorLimit (default 4, so the 5th error
// in a row errors it; any non-error measurement resets the streak);
// Inconclusive if inconclusive measurements > inconclusiveLimit (default 0);
// Failed if failed measurements > failureLimit (default 0: the first failure
// fails it); Successful once consecutiveSuccessLimit successes come in a row
// (when set), or once Count measurements were taken. Errored measurements do
// not count toward Count. A metric without count or interval takes one
// measurement; with only an interval it runs until terminated, and a
// terminated metric that has not completed is Successful. [RunPhase] gives
// the run's phase: Running until every metric completes, then the worst of
// Successful < Inconclusive < Error < Failed.
//
// Conditions are expr-lang expressions compiled once against a typed
// environment:
//
//	result             []float64 (ResultVector, e.g. result[0] >= 0.95)
//	                   or float64 (ResultScalar, e.g. result >= 0.95)
//	asInt(x)  int      truncates; asFloat(x) float64
//	isNaN(x), isInf(x) bool
//
// plus expr's operators and builtins (len, all, any, …). The expression must
// yield a bool; an unknown name fails NewEvaluator.
//
// # Flagger
//
// [FlaggerChecker] checks request-success-rate (percent, normally a minimum)
// and request-duration (milliseconds, normally a maximum) against their
// thresholdRange; a query with no data fails the check too. Each interval's
// check passes or adds one failed check; the canary is rolled back once the
// failed checks reach analysis.threshold (default 1). Flagger tests the
// threshold at the start of the next interval.
//
// # Where the sources differ from common belief
//
//   - Kayenta classifies metrics by a confidence interval for the shift
//     (Hodges–Lehmann estimate, 98% interval, tolerance band
//     ±0.25·|estimate|), not by a p-value. The effectSize bounds
//     (allowedIncrease/allowedDecrease, default 1.0 for meanRatio and 0.5 for
//     cles) are secondary gates on the mean ratio or CLES, not the primary
//     test; the median is not used.
//   - Kayenta's no-data label for mustHaveData metrics is
//     "NodataFailMetric" (ClassNodataFail), and a critical metric without
//     data is labelled Nodata but fails the canary. Kayenta also has an
//     Error label and the 50% Nodata rule, muted metrics, and outlier
//     removal, all implemented here.
//   - Kayenta's critical metrics fail the canary only beyond
//     criticalIncrease/criticalDecrease (default 1.0 for meanRatio).
//   - Kayenta adds random noise when each side is a single constant; here
//     that case is solved exactly to stay deterministic.
//   - Kayenta rounds the summary score half-up on its decimal form; here
//     math.Round acts on the binary value, which can differ by 0.01 at an
//     exact …5 tie. Percentiles for outlier fences use Commons Math's
//     default estimator, which Kayenta's statistics use; the detector's own
//     percentile call was not seen in the source read.
//   - In Argo, an Error measurement is not counted toward count. With both
//     failureLimit and inconclusiveLimit at their default 0, the first
//     Failed or Inconclusive measurement ends the metric. Argo v1.8 added
//     consecutiveSuccessLimit and failureLimit: -1 (disabled); with
//     consecutiveSuccessLimit set, reaching count without the streak is
//     Inconclusive when failureLimit applies and Failed when it is disabled.
//     These v1.8 rules follow Argo's documentation; the source read for this
//     package predates them.
//   - Argo compiles conditions per measurement with an untyped environment;
//     compiling once with a typed one rejects unknown names and non-bool
//     expressions up front instead of erroring every measurement.
//   - Flagger's default threshold is 1 and failed checks are cumulative:
//     passing checks never reset them.
package analysis
