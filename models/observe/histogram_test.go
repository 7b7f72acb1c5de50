package observe

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
	"unsafe"
)

const seed = 20240611 // printed by every randomised test on failure

func TestHistogramSize(t *testing.T) {
	if got := unsafe.Sizeof(Histogram{}); got != 1528 {
		t.Errorf("sizeof(Histogram) = %d bytes, documented 1528", got)
	}
	if got := unsafe.Sizeof(Period{}); got != 1592 {
		t.Errorf("sizeof(Period) = %d bytes, documented 1592", got)
	}
}

// TestBucketLayout checks that the buckets tile [0, 2^40 ns) without gaps,
// that bucketOf agrees with bucketBounds at both ends of every bucket, and
// that the representative of every bucket above the underflow bucket is
// within MaxRelativeError of every integer value in it.
func TestBucketLayout(t *testing.T) {
	prevHi := int64(0)
	worst := 0.0
	for i := range numBuckets {
		lo, hi := bucketBounds(i)
		if lo != prevHi || hi <= lo {
			t.Fatalf("bucket %d = [%d, %d), want it to start at %d", i, lo, hi, prevHi)
		}
		prevHi = hi
		for _, v := range []int64{lo, hi - 1} {
			if got := bucketOf(uint64(v)); got != i {
				t.Fatalf("bucketOf(%d) = %d, want %d (bucket [%d, %d))", v, got, i, lo, hi)
			}
		}
		if i == 0 {
			continue
		}
		rep := bucketRep[i]
		for _, v := range []int64{lo, hi - 1} {
			worst = max(worst, math.Abs(float64(rep-v))/float64(v))
		}
	}
	if prevHi != overflow {
		t.Errorf("buckets end at %d, want %d", prevHi, overflow)
	}
	if worst > MaxRelativeError {
		t.Errorf("worst relative error %.5f > MaxRelativeError %.2f", worst, MaxRelativeError)
	}
	t.Logf("%d buckets, worst relative error %.4f%%", numBuckets, 100*worst)
	if got := bucketOf(math.MaxInt64); got != numBuckets-1 {
		t.Errorf("bucketOf(MaxInt64) = %d, want the top bucket %d", got, numBuckets-1)
	}
}

// nearestRank is the exact quantile Histogram.Quantile estimates.
func nearestRank(sorted []time.Duration, q float64) time.Duration {
	n := len(sorted)
	r := max(1, min(n, int(math.Ceil(q*float64(n)))))
	return sorted[r-1]
}

var testQuantiles = []float64{0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1}

// TestQuantileWithinErrorOfSample checks the documented bound against the
// exact sample quantiles of log-normal latencies spanning µs to minutes.
func TestQuantileWithinErrorOfSample(t *testing.T) {
	r := rand.New(rand.NewPCG(seed, 1))
	var h Histogram
	samples := make([]time.Duration, 200_000)
	for i := range samples {
		// Median 20 ms, σ = 2.5: the 0.1 % and 99.9 % points are
		// about 9 µs and 45 s.
		d := time.Duration(20e6 * math.Exp(2.5*r.NormFloat64()))
		d = max(d, time.Microsecond)
		samples[i] = d
		h.Record(d)
	}
	slices.Sort(samples)
	qs := slices.Clone(testQuantiles)
	for k := range 1000 {
		qs = append(qs, float64(k)/1000)
	}
	for _, q := range qs {
		want := nearestRank(samples, q)
		got := h.Quantile(q)
		if rel := math.Abs(float64(got-want)) / float64(want); rel > MaxRelativeError {
			t.Errorf("seed %d: Quantile(%v) = %v, exact %v: relative error %.4f > %.2f", seed, q, got, want, rel, MaxRelativeError)
		}
	}
	if h.Quantile(0) != samples[0] || h.Quantile(1) != samples[len(samples)-1] {
		t.Errorf("Quantile(0), Quantile(1) = %v, %v; want exact min %v and max %v",
			h.Quantile(0), h.Quantile(1), samples[0], samples[len(samples)-1])
	}
}

// TestQuantileWithinErrorOfDistribution compares with the quantiles of the
// exponential distribution itself. The tolerance is the histogram's bound
// plus five standard errors of a sample quantile, √(q(1−q)/n) / f(x_q),
// which for the exponential is √(q/((1−q)n)) · mean.
func TestQuantileWithinErrorOfDistribution(t *testing.T) {
	const n = 100_000
	mean := 50 * time.Millisecond
	r := rand.New(rand.NewPCG(seed, 2))
	var h Histogram
	for range n {
		h.Record(time.Duration(r.ExpFloat64() * float64(mean)))
	}
	for _, q := range []float64{0.1, 0.5, 0.9, 0.99} {
		want := -math.Log(1-q) * float64(mean)
		se := math.Sqrt(q/((1-q)*n)) * float64(mean)
		tol := MaxRelativeError*want + 5*se
		got := float64(h.Quantile(q))
		if math.Abs(got-want) > tol {
			t.Errorf("seed %d: Quantile(%v) = %v, distribution %v, tolerance %v",
				seed, q, time.Duration(got), time.Duration(want), time.Duration(tol))
		}
	}
	if m := float64(h.Mean()); math.Abs(m-float64(mean)) > 5*float64(mean)/math.Sqrt(n) {
		t.Errorf("seed %d: Mean = %v, want %v ± 5 standard errors", seed, h.Mean(), mean)
	}
}

func TestMergeEqualsRecordingAll(t *testing.T) {
	r := rand.New(rand.NewPCG(seed, 3))
	for trial := range 50 {
		var all, a, b Histogram
		for range r.IntN(2000) {
			// Log-uniform from 1 ns to 2^45 ns, beyond the top bucket.
			d := time.Duration(math.Exp2(45 * r.Float64()))
			all.Record(d)
			if r.IntN(2) == 0 {
				a.Record(d)
			} else {
				b.Record(d)
			}
		}
		a.Merge(&b)
		if a != all {
			t.Fatalf("seed %d trial %d: a.Merge(b) differs from recording all (count %d vs %d)", seed, trial, a.Count(), all.Count())
		}
	}
}

func TestHistogramEdges(t *testing.T) {
	var h Histogram
	if h.Quantile(0.5) != 0 || h.Mean() != 0 || h.Count() != 0 || h.Min() != 0 || h.Max() != 0 {
		t.Errorf("empty histogram: want zeros")
	}
	h.Record(0)
	h.Record(time.Hour) // beyond the top bucket: clamped, yet Max is exact
	if h.Quantile(0) != 0 || h.Quantile(1) != time.Hour || h.Mean() != 30*time.Minute {
		t.Errorf("Quantile(0), Quantile(1), Mean = %v, %v, %v; want 0, 1h, 30m", h.Quantile(0), h.Quantile(1), h.Mean())
	}
	if h.Quantile(-1) != h.Quantile(0) || h.Quantile(2) != h.Quantile(1) {
		t.Errorf("q outside [0, 1] should clamp")
	}
	var one Histogram
	one.Record(1234567 * time.Nanosecond)
	for _, q := range testQuantiles {
		if got := one.Quantile(q); got != 1234567 {
			t.Errorf("single value: Quantile(%v) = %v, want the value itself", q, got)
		}
	}
	var empty Histogram
	h.Merge(&empty)
	empty.Merge(&one)
	if empty != one {
		t.Errorf("merging into an empty histogram should copy")
	}
	h.Reset()
	if h != (Histogram{}) {
		t.Errorf("Reset should empty the histogram")
	}
	mustPanic(t, "negative latency", func() { h.Record(-1) })
	mustPanic(t, "NaN quantile", func() { h.Quantile(math.NaN()) })
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: want a panic", what)
		}
	}()
	f()
}

func TestRecordDoesNotAllocate(t *testing.T) {
	var h Histogram
	d := time.Duration(1)
	if allocs := testing.AllocsPerRun(1000, func() {
		d = (d*7 + 13) % time.Minute
		h.Record(d)
	}); allocs != 0 {
		t.Errorf("Record allocates %v times per call, want 0", allocs)
	}
	var p Period
	if allocs := testing.AllocsPerRun(1000, func() {
		p.Add(CauseTimeout, 3*time.Millisecond)
	}); allocs != 0 {
		t.Errorf("Period.Add allocates %v times per call, want 0", allocs)
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	r := rand.New(rand.NewPCG(seed, 4))
	in := make([]time.Duration, 4096)
	for i := range in {
		in[i] = time.Duration(20e6 * math.Exp(r.NormFloat64()))
	}
	var h Histogram
	i := 0
	for b.Loop() {
		h.Record(in[i&(len(in)-1)])
		i++
	}
}

func BenchmarkHistogramQuantile(b *testing.B) {
	r := rand.New(rand.NewPCG(seed, 5))
	var h Histogram
	for range 10_000 {
		h.Record(time.Duration(20e6 * math.Exp(r.NormFloat64())))
	}
	for b.Loop() {
		_ = h.Quantile(0.99)
	}
}
