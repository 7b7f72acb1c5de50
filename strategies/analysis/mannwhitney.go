package analysis

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// Alternative is the alternative hypothesis of a rank test, stated about the
// first sample x against the second sample y.
type Alternative int8

const (
	// TwoSided: x and y come from different distributions.
	TwoSided Alternative = iota
	// Greater: x is stochastically greater than y.
	Greater
	// Less: x is stochastically less than y.
	Less
)

func (a Alternative) String() string {
	switch a {
	case TwoSided:
		return "two-sided"
	case Greater:
		return "greater"
	case Less:
		return "less"
	}
	return fmt.Sprintf("Alternative(%d)", int8(a))
}

// Errors returned for samples the rank tests cannot use.
var (
	ErrEmptySample = errors.New("analysis: empty sample")
	ErrNaN         = errors.New("analysis: sample contains NaN")
	ErrNotSorted   = errors.New("analysis: sample not sorted ascending")
	ErrNonFinite   = errors.New("analysis: sample contains ±Inf")
)

// MannWhitneyResult is the outcome of a Mann-Whitney U test.
type MannWhitneyResult struct {
	// U counts the pairs (x_i, y_j) with x_i > y_j, ties counting one half
	// (scipy's U1). U/(len(x)·len(y)) is the common-language effect size.
	U float64
	// Z is the continuity-corrected standard score of U under the null
	// hypothesis: (U − mean ∓ ½)/σ, signed like U − mean. It is 0 when every
	// observation is tied (σ = 0).
	Z float64
	// P is the p-value of the chosen alternative, always in [0, 1].
	P float64
}

// MannWhitneyU tests x against y with the normal approximation, tie-corrected
// variance and continuity correction; see the package documentation for the
// formulas. It sorts copies of x and y, leaving the inputs untouched.
//
// It returns ErrEmptySample if either sample is empty and ErrNaN if either
// holds a NaN. ±Inf are ordinary (extreme) values for ranking.
func MannWhitneyU(x, y []float64, alt Alternative) (MannWhitneyResult, error) {
	var r Ranker
	return r.MannWhitneyU(x, y, alt)
}

// MannWhitneyUSorted is MannWhitneyU for samples already sorted ascending. It
// neither allocates nor modifies its inputs. It returns ErrNotSorted if a
// sample is out of order.
func MannWhitneyUSorted(xs, ys []float64, alt Alternative) (MannWhitneyResult, error) {
	if err := checkSorted(xs); err != nil {
		return MannWhitneyResult{}, fmt.Errorf("x: %w", err)
	}
	if err := checkSorted(ys); err != nil {
		return MannWhitneyResult{}, fmt.Errorf("y: %w", err)
	}
	return mannWhitney(xs, ys, alt), nil
}

// A Ranker holds the scratch space of the rank procedures so that repeated
// tests allocate nothing once the buffers have grown to the sample sizes. The
// zero value is ready to use. A Ranker is not safe for concurrent use.
type Ranker struct{ xs, ys []float64 }

// MannWhitneyU is [MannWhitneyU] using r's scratch buffers.
func (r *Ranker) MannWhitneyU(x, y []float64, alt Alternative) (MannWhitneyResult, error) {
	if err := r.load(x, y); err != nil {
		return MannWhitneyResult{}, err
	}
	return mannWhitney(r.xs, r.ys, alt), nil
}

// load copies x and y into the scratch buffers and sorts them.
func (r *Ranker) load(x, y []float64) error {
	if len(x) == 0 || len(y) == 0 {
		return ErrEmptySample
	}
	if slices.ContainsFunc(x, math.IsNaN) || slices.ContainsFunc(y, math.IsNaN) {
		return ErrNaN
	}
	r.xs = append(r.xs[:0], x...)
	r.ys = append(r.ys[:0], y...)
	slices.Sort(r.xs)
	slices.Sort(r.ys)
	return nil
}

func checkSorted(s []float64) error {
	if len(s) == 0 {
		return ErrEmptySample
	}
	for i, v := range s {
		if math.IsNaN(v) {
			return ErrNaN
		}
		if i > 0 && v < s[i-1] {
			return ErrNotSorted
		}
	}
	return nil
}

// mannWhitney runs the test on sorted, non-empty, NaN-free samples.
func mannWhitney(xs, ys []float64, alt Alternative) MannWhitneyResult {
	st := rankStats(xs, ys, 0)
	n1, n2 := float64(len(xs)), float64(len(ys))
	res := MannWhitneyResult{U: st.u, P: 1}
	sigma := st.sigma(n1, n2)
	if sigma == 0 {
		// Every observation tied: nothing distinguishes the samples.
		return res
	}
	d := st.u - n1*n2/2
	switch alt {
	case Greater:
		res.Z = (d - 0.5) / sigma
		res.P = distuv.UnitNormal.Survival(res.Z)
	case Less:
		res.Z = (d + 0.5) / sigma
		res.P = distuv.UnitNormal.CDF(res.Z)
	default:
		// Correct towards the mean but never across it, as scipy does: a
		// |d| below ½ is indistinguishable from no difference at all.
		res.Z = math.Copysign(max(math.Abs(d)-0.5, 0), d) / sigma
		res.P = 2 * distuv.UnitNormal.Survival(math.Abs(res.Z))
	}
	res.P = min(max(res.P, 0), 1)
	return res
}

// rankSummary is what the rank tests need from the pooled sample.
type rankSummary struct {
	u      float64 // pairs with x > y, ties counting ½
	ties   float64 // Σ(t³ − t) over groups of t equal values
	groups int     // number of distinct values
}

// rankStats merges xs−shift and ys (both sorted) in one pass. Subtracting a
// constant keeps xs sorted, and equality is tested on the shifted values
// themselves, so ties created by rounding count as ties, as they would if the
// pooled sample were ranked explicitly.
func rankStats(xs, ys []float64, shift float64) rankSummary {
	var s rankSummary
	i, j, yBelow := 0, 0, 0
	for i < len(xs) || j < len(ys) {
		var v float64
		switch {
		case j == len(ys):
			v = xs[i] - shift
		case i == len(xs):
			v = ys[j]
		default:
			v = min(xs[i]-shift, ys[j])
		}
		cx, cy := 0, 0
		for i < len(xs) && xs[i]-shift == v {
			i, cx = i+1, cx+1
		}
		for j < len(ys) && ys[j] == v {
			j, cy = j+1, cy+1
		}
		s.u += float64(cx)*float64(yBelow) + 0.5*float64(cx)*float64(cy)
		t := float64(cx + cy)
		s.ties += t*t*t - t
		s.groups++
		yBelow += cy
	}
	return s
}

// sigma is the tie-corrected standard deviation of U under the null.
func (s rankSummary) sigma(n1, n2 float64) float64 {
	if s.groups <= 1 {
		return 0
	}
	n := n1 + n2
	v := n1 * n2 / 12 * ((n + 1) - s.ties/(n*(n-1)))
	return math.Sqrt(max(v, 0))
}
