// Package observe provides what the simulated world measures and how it is
// watched: a fixed-bucket latency [Histogram], per-period aggregates
// ([Period]) of requests by outcome ([Cause]), and CloudWatch-style metric
// alarms ([Alarm], [AlarmEvaluator], [Statistic]).
//
// Everything here is pure and deterministic: no clock, no randomness, no
// goroutines, no maps iterated. The hot path — [Histogram.Record] and
// [Period.Add], once per simulated request — does not allocate, and the
// aggregates hold no pointers, so the world keeps them by value in arrays of
// per-period records (memory proportional to periods, never to requests).
//
// # Histogram layout
//
// Values are nanoseconds. Bucket 0 holds [0, 512 ns). Above it each octave
// [2^e, 2^(e+1)) ns, for e = 9 … 39, is split into 12 sub-buckets: the
// octave comes from the bit length of the value and the sub-bucket from a
// 256-entry table indexed by the 8 bits after the leading one. The table
// groups those 256 equal cells into 12 nearly geometric sub-buckets, which
// bounds the relative error of a quantile by 3 % (2.96 %) with 12 counters an
// octave where plain HDR-style linear sub-buckets need 16 for 3.1 %. Values
// of 2^40 ns (about 18.3 minutes) or more are counted in the last bucket;
// Min, Max, Mean and Count stay exact for them.
//
// # Alarms
//
// An [AlarmEvaluator] is fed one datapoint per period — typically
// [Period.Value] of the period that just ended — and follows CloudWatch's
// "M out of N" evaluation, evaluation range and missing-data treatments
// (missing, notBreaching, breaching, ignore), starting in INSUFFICIENT_DATA.
// The rules are spelt out on [AlarmEvaluator].
package observe
