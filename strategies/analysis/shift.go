package analysis

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// ShiftEstimate is a nonparametric estimate of the location shift x − y with
// its confidence interval, obtained by inverting the Mann-Whitney test (the
// asymptotic branch of R's wilcox.test with conf.int = TRUE, which Kayenta
// ports).
type ShiftEstimate struct {
	// Estimate is the shift at which the continuity-corrected statistic is
	// zero (the middle of that set when it is an interval). With an even
	// len(x)·len(y) it is the Hodges–Lehmann estimator, the median of the
	// pairwise differences x_i − y_j; with an odd one it lies between the
	// median's neighbours.
	Estimate float64
	// Lower and Upper bound the confidence interval. Both are pairwise
	// differences (to within rounding) or the extreme differences.
	Lower, Upper float64
	// Confidence is the confidence level the interval was computed for.
	Confidence float64
}

// ShiftInterval estimates the shift x − y and its two-sided confidence
// interval at level confidence (0 < confidence < 1). It sorts copies of the
// samples into r's buffers.
//
// It returns ErrEmptySample, ErrNaN, or ErrNonFinite (the shift of an
// infinite value is undefined).
func (r *Ranker) ShiftInterval(x, y []float64, confidence float64) (ShiftEstimate, error) {
	if err := r.load(x, y); err != nil {
		return ShiftEstimate{}, err
	}
	return shiftIntervalSorted(r.xs, r.ys, confidence)
}

func shiftIntervalSorted(xs, ys []float64, confidence float64) (ShiftEstimate, error) {
	if !(confidence > 0 && confidence < 1) {
		return ShiftEstimate{}, fmt.Errorf("analysis: confidence %v not in (0, 1)", confidence)
	}
	if math.IsInf(xs[0], 0) || math.IsInf(xs[len(xs)-1], 0) ||
		math.IsInf(ys[0], 0) || math.IsInf(ys[len(ys)-1], 0) {
		return ShiftEstimate{}, ErrNonFinite
	}
	s := shiftSolver{
		xs: xs, ys: ys,
		n1: float64(len(xs)), n2: float64(len(ys)),
		lo: xs[0] - ys[len(ys)-1],
		hi: xs[len(xs)-1] - ys[0],
	}
	if math.IsInf(s.lo, 0) || math.IsInf(s.hi, 0) {
		return ShiftEstimate{}, ErrNonFinite // the differences overflow
	}
	z := distuv.UnitNormal.Quantile(1 - (1-confidence)/2)
	return ShiftEstimate{
		// The statistic falls as the shift grows, so the lower bound is
		// where it equals +z and the upper where it equals −z.
		Lower:      s.root(z),
		Upper:      s.root(-z),
		Estimate:   s.root(0),
		Confidence: confidence,
	}, nil
}

// shiftSolver finds where the standardized statistic of (x − shift) against
// y crosses a quantile. The statistic is a step function of the shift whose
// steps sit at the pairwise differences, so bisection on its sign converges
// to a step to within one ulp; unlike Brent's method with an absolute
// tolerance (Kayenta uses 1e-4) it does so at any scale.
type shiftSolver struct {
	xs, ys []float64
	n1, n2 float64
	lo, hi float64 // smallest and largest pairwise difference
}

// stat is R's wdiff(d, zq): the continuity-corrected standard score of the
// statistic at shift d, minus q.
func (s *shiftSolver) stat(d, q float64) float64 {
	st := rankStats(s.xs, s.ys, d)
	sigma := st.sigma(s.n1, s.n2)
	dz := st.u - s.n1*s.n2/2
	if sigma == 0 {
		// Every shifted value ties: this happens only where two constant
		// samples coincide, where U sits exactly at its mean. Kayenta adds
		// random noise in this case; solving it exactly keeps the run
		// deterministic.
		return -q
	}
	corr := 0.0
	if dz > 0 {
		corr = 0.5
	} else if dz < 0 {
		corr = -0.5
	}
	return (dz-corr)/sigma - q
}

// root returns the shift where stat(·, q) changes sign, clamped to the
// extreme differences as R does. Where the statistic is exactly zero over an
// interval (q = 0), it returns the middle of that interval.
func (s *shiftSolver) root(q float64) float64 {
	if s.lo == s.hi || s.stat(s.lo, q) <= 0 {
		return s.lo
	}
	if s.stat(s.hi, q) >= 0 {
		return s.hi
	}
	a := s.edge(func(d float64) bool { return s.stat(d, q) > 0 })
	b := s.edge(func(d float64) bool { return s.stat(d, q) >= 0 })
	return midpoint(a, b)
}

// edge bisects [lo, hi] for the boundary of left, which must hold at lo, fail
// at hi, and be monotone in between. It bisects the ordered bit patterns of
// the floats rather than their values, so it reaches adjacent floats within
// 64 steps whatever the scale or dynamic range of the data.
func (s *shiftSolver) edge(left func(float64) bool) float64 {
	lo, hi := floatKey(s.lo), floatKey(s.hi)
	// hi − lo may exceed MaxInt64 (it wraps as an int64), but it is below
	// 2⁶⁴ and so exact as a uint64.
	for uint64(hi-lo) > 1 {
		mid := lo + int64(uint64(hi-lo)/2)
		if left(keyFloat(mid)) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return keyFloat(lo)
}

// floatKey maps a float to an integer with the same order (−0 and +0 both
// map to 0); keyFloat inverts it.
func floatKey(f float64) int64 {
	b := int64(math.Float64bits(f))
	if b < 0 {
		return math.MinInt64 - b // −magnitude
	}
	return b
}

func keyFloat(k int64) float64 {
	if k < 0 {
		return -math.Float64frombits(uint64(-k))
	}
	return math.Float64frombits(uint64(k))
}

// midpoint halves before adding so that hi − lo cannot overflow.
func midpoint(lo, hi float64) float64 { return lo/2 + hi/2 }
