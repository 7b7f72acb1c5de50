package analysis

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// Expected values were computed independently: ranks assigned explicitly
// with averaged ties, then the formulas of the package doc. The first row is
// the example of scipy.stats.mannwhitneyu's documentation, whose asymptotic
// two-sided p-value is 0.11134688653314041.
func TestMannWhitneyU(t *testing.T) {
	males := []float64{19, 22, 16, 29, 24}
	females := []float64{20, 11, 17, 12}
	tests := []struct {
		name    string
		x, y    []float64
		alt     Alternative
		u, z, p float64
	}{
		{"scipy example two-sided", males, females, TwoSided, 17, 1.5921683328090657, 0.11134688653314041},
		{"scipy example greater", males, females, Greater, 17, 1.5921683328090657, 0.05567344326657024},
		{"scipy example less", males, females, Less, 17, 1.8371173070873834, 0.9669037101389033},
		{"separated two-sided", []float64{1, 2, 3}, []float64{4, 5, 6}, TwoSided, 0, -1.7457431218879391, 0.0808555983700523},
		{"separated greater", []float64{1, 2, 3}, []float64{4, 5, 6}, Greater, 0, -2.182178902359924, 0.9854518341293739},
		{"separated less", []float64{1, 2, 3}, []float64{4, 5, 6}, Less, 0, -1.7457431218879391, 0.04042779918502615},
		// Pooled: 1 | 2 2 2 | 3 3 3 3 | 4 4 | 5 → Σ(t³−t) = 24 + 60 + 6 = 90.
		{"ties two-sided", []float64{1, 2, 2, 3, 3, 3}, []float64{2, 3, 4, 4, 5}, TwoSided, 5.5, -1.7022223637379919, 0.08871369199677624},
		{"ties greater", []float64{1, 2, 2, 3, 3, 3}, []float64{2, 3, 4, 4, 5}, Greater, 5.5, -1.891358181931102, 0.970711726568604},
		{"ties less", []float64{1, 2, 2, 3, 3, 3}, []float64{2, 3, 4, 4, 5}, Less, 5.5, -1.7022223637379919, 0.04435684599838812},
		{"unsorted input", []float64{3, 1, 2}, []float64{6, 4, 5}, Less, 0, -1.7457431218879391, 0.04042779918502615},
		// |U − μ| = 0 < ½: the correction stops at the mean and p = 1.
		{"same sample two-sided", []float64{1, 2, 3}, []float64{1, 2, 3}, TwoSided, 4.5, 0, 1},
		{"same sample greater", []float64{1, 2, 3}, []float64{1, 2, 3}, Greater, 4.5, -0.2282177322938192, 0.5902615116112394},
		{"all tied", []float64{7, 7}, []float64{7, 7, 7}, TwoSided, 3, 0, 1},
		{"all tied greater", []float64{7, 7}, []float64{7, 7, 7}, Greater, 3, 0, 1},
		{"infinities rank", []float64{math.Inf(1), 5}, []float64{math.Inf(-1), 4}, Greater, 4, 1.161895003862225, 0.12263905840338643},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MannWhitneyU(tt.x, tt.y, tt.alt)
			if err != nil {
				t.Fatal(err)
			}
			if got.U != tt.u || !near(got.Z, tt.z, 1e-12) || !near(got.P, tt.p, 1e-12) {
				t.Errorf("MannWhitneyU(%v, %v, %v) = %+v, want U=%v Z=%v P=%v", tt.x, tt.y, tt.alt, got, tt.u, tt.z, tt.p)
			}
		})
	}
}

func TestMannWhitneyUErrors(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		x, y []float64
		want error
	}{
		{"empty x", nil, []float64{1}, ErrEmptySample},
		{"empty y", []float64{1}, []float64{}, ErrEmptySample},
		{"NaN in x", []float64{1, nan}, []float64{1}, ErrNaN},
		{"NaN in y", []float64{1}, []float64{nan}, ErrNaN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := MannWhitneyU(tt.x, tt.y, TwoSided); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := MannWhitneyUSorted([]float64{2, 1}, []float64{1}, TwoSided); !errors.Is(err, ErrNotSorted) {
		t.Errorf("unsorted: err = %v, want %v", err, ErrNotSorted)
	}
}

func TestMannWhitneyUDoesNotModifyInput(t *testing.T) {
	x, y := []float64{3, 1, 2}, []float64{9, 7, 8}
	if _, err := MannWhitneyU(x, y, TwoSided); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(x, []float64{3, 1, 2}) || !slices.Equal(y, []float64{9, 7, 8}) {
		t.Errorf("inputs modified: %v %v", x, y)
	}
}

func TestRankerReuseAllocatesNothing(t *testing.T) {
	var r Ranker
	x := []float64{5, 3, 8, 1, 9, 2, 7}
	y := []float64{4, 6, 10, 11, 0}
	if _, err := r.MannWhitneyU(x, y, TwoSided); err != nil { // grow the buffers
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		_, _ = r.MannWhitneyU(x, y, TwoSided)
		_, _ = r.ShiftInterval(x, y, 0.95)
	})
	if allocs != 0 {
		t.Errorf("allocs per run = %v, want 0", allocs)
	}
}

// Under the null hypothesis the two-sided test rejects at level α with
// probability at most α (the continuity correction makes it slightly
// conservative). The tolerance is four binomial standard errors.
func TestMannWhitneyUNullRejectionRate(t *testing.T) {
	const reps, n, alpha = 2000, 30, 0.05
	rng := rand.New(rand.NewPCG(1, 2))
	x, y := make([]float64, n), make([]float64, n)
	var r Ranker
	rejected := 0
	for range reps {
		for i := range n {
			x[i], y[i] = rng.NormFloat64(), rng.NormFloat64()
		}
		res, err := r.MannWhitneyU(x, y, TwoSided)
		if err != nil {
			t.Fatal(err)
		}
		if res.P < alpha {
			rejected++
		}
	}
	rate := float64(rejected) / reps
	tol := 4 * math.Sqrt(alpha*(1-alpha)/reps)
	if rate > alpha+tol || rate < alpha-tol {
		t.Errorf("rejection rate %v, want %v ± %v (seed 1,2)", rate, alpha, tol)
	}
}

// The shift estimate with no ties and an even number of pairs is the
// Hodges–Lehmann median of pairwise differences, and the interval's ends are
// pairwise differences.
func TestShiftIntervalHodgesLehmann(t *testing.T) {
	tests := []struct {
		name string
		x, y []float64
	}{
		{"shift 10", []float64{11, 13, 14, 17, 20, 22}, []float64{1, 2, 4, 7, 8, 12}},
		{"negative shift", []float64{0.1, 0.25, 0.3, 0.45}, []float64{1.05, 1.2, 1.33, 1.4, 1.6, 1.7}},
		{"overlap", []float64{3, 5, 6, 9, 12, 13, 15, 16}, []float64{1, 4, 7, 8, 10, 11, 14, 18, 19, 20}},
		// Bisection must resolve differences near 1e-5 among ones near
		// 1e300, which halving the value range 200 times cannot.
		{"wide dynamic range", []float64{-1e300, -1e-300, 1e-5, 3e100}, []float64{-2e200, 5e-200, 7, 1e250, -3e-150}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Ranker
			got, err := r.ShiftInterval(tt.x, tt.y, 0.9)
			if err != nil {
				t.Fatal(err)
			}
			diffs := pairwiseDiffs(tt.x, tt.y)
			k := len(diffs) / 2
			hl := (diffs[k-1] + diffs[k]) / 2
			if math.Abs(got.Estimate-hl) > 1e-12*math.Abs(hl) {
				t.Errorf("Estimate = %v, want Hodges–Lehmann %v", got.Estimate, hl)
			}
			if !(got.Lower <= got.Estimate && got.Estimate <= got.Upper) {
				t.Errorf("interval [%v, %v] does not contain %v", got.Lower, got.Upper, got.Estimate)
			}
			for _, end := range []float64{got.Lower, got.Upper} {
				i, _ := slices.BinarySearch(diffs, end)
				rel := func(d float64) bool { return math.Abs(d-end) <= 1e-12*math.Abs(d) }
				if !(i < len(diffs) && rel(diffs[i])) && !(i > 0 && rel(diffs[i-1])) {
					t.Errorf("interval end %v is not a pairwise difference", end)
				}
			}
		})
	}
}

func TestShiftIntervalHandComputed(t *testing.T) {
	// x = y + 10 with y = 1..5: the statistic is zero only at d = 10. At
	// 98% (z = 2.3263) the extreme difference 6 still has statistic
	// (24.5 − 12.5 − ½)/4.7726 = 2.41 > z while just above it U = 24 gives
	// 11/4.7871 = 2.30 < z, so the interval is [6, 14].
	var r Ranker
	got, err := r.ShiftInterval([]float64{11, 12, 13, 14, 15}, []float64{1, 2, 3, 4, 5}, 0.98)
	if err != nil {
		t.Fatal(err)
	}
	if !near(got.Estimate, 10, 1e-12) || !near(got.Lower, 6, 1e-12) || !near(got.Upper, 14, 1e-12) {
		t.Errorf("got %+v, want estimate 10 in [6, 14]", got)
	}
	// Two constants: every pair differs by exactly 1.
	got, err = r.ShiftInterval([]float64{6, 6, 6, 6}, []float64{5, 5, 5}, 0.98)
	if err != nil {
		t.Fatal(err)
	}
	if got.Estimate != 1 || got.Lower != 1 || got.Upper != 1 {
		t.Errorf("constant samples: got %+v, want 1 in [1, 1]", got)
	}
}

func TestShiftIntervalErrors(t *testing.T) {
	var r Ranker
	tests := []struct {
		name string
		x, y []float64
		conf float64
	}{
		{"infinite value", []float64{1, math.Inf(1)}, []float64{1}, 0.9},
		{"overflowing differences", []float64{math.MaxFloat64}, []float64{-math.MaxFloat64}, 0.9},
		{"confidence 1", []float64{1}, []float64{2}, 1},
		{"confidence 0", []float64{1}, []float64{2}, 0},
		{"empty", nil, []float64{2}, 0.9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := r.ShiftInterval(tt.x, tt.y, tt.conf); err == nil {
				t.Errorf("got %+v, want an error", got)
			}
		})
	}
}

// The 98% interval covers the true shift in about 98% of replications; the
// tolerance is four binomial standard errors.
func TestShiftIntervalCoverage(t *testing.T) {
	const reps, n, conf, shift = 1000, 25, 0.98, 3.0
	rng := rand.New(rand.NewPCG(3, 4))
	x, y := make([]float64, n), make([]float64, n)
	var r Ranker
	covered := 0
	for range reps {
		for i := range n {
			x[i], y[i] = rng.ExpFloat64()*4+shift, rng.ExpFloat64()*4
		}
		s, err := r.ShiftInterval(x, y, conf)
		if err != nil {
			t.Fatal(err)
		}
		if s.Lower <= shift && shift <= s.Upper {
			covered++
		}
	}
	rate := float64(covered) / reps
	if tol := 4 * math.Sqrt(conf*(1-conf)/reps); math.Abs(rate-conf) > tol {
		t.Errorf("coverage %v, want %v ± %v (seed 3,4)", rate, conf, tol)
	}
}

func FuzzMannWhitneyU(f *testing.F) {
	f.Add([]byte{}, uint8(0), uint8(0))
	f.Add(floatBytes(1, 2, 3, 4, 5, 6), uint8(3), uint8(1))
	f.Add(floatBytes(7, 7, 7, 7), uint8(2), uint8(2))
	f.Add(floatBytes(math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), math.MaxFloat64, -math.MaxFloat64), uint8(3), uint8(0))
	f.Add(floatBytes(math.NaN(), 1, 2), uint8(1), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, split, alt uint8) {
		var v []float64
		for len(data) >= 8 {
			v = append(v, math.Float64frombits(binary.LittleEndian.Uint64(data)))
			data = data[8:]
		}
		k := 0
		if len(v) > 0 {
			k = int(split) % (len(v) + 1)
		}
		x, y := v[:k], v[k:]
		res, err := MannWhitneyU(x, y, Alternative(alt%3))
		if err != nil {
			return
		}
		n1n2 := float64(len(x)) * float64(len(y))
		if math.IsNaN(res.Z) || math.IsNaN(res.P) || res.P < 0 || res.P > 1 || res.U < 0 || res.U > n1n2 {
			t.Fatalf("MannWhitneyU(%v, %v) = %+v", x, y, res)
		}
		rev, err := MannWhitneyU(y, x, Alternative(alt%3))
		if err != nil || res.U+rev.U != n1n2 {
			t.Fatalf("U(x,y) + U(y,x) = %v + %v, want %v (err %v)", res.U, rev.U, n1n2, err)
		}
		var r Ranker
		s, err := r.ShiftInterval(x, y, 0.98)
		if err != nil {
			return
		}
		lo, hi := r.xs[0]-r.ys[len(r.ys)-1], r.xs[len(r.xs)-1]-r.ys[0]
		for _, e := range []float64{s.Lower, s.Estimate, s.Upper} {
			if math.IsNaN(e) || e < lo || e > hi {
				t.Fatalf("ShiftInterval(%v, %v) = %+v outside [%v, %v]", x, y, s, lo, hi)
			}
		}
	})
}

func BenchmarkMannWhitneyU(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	x, y := make([]float64, 1000), make([]float64, 1000)
	for i := range x {
		x[i], y[i] = rng.NormFloat64(), rng.NormFloat64()+0.1
	}
	var r Ranker
	for b.Loop() {
		if _, err := r.MannWhitneyU(x, y, TwoSided); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(x)+len(y))*float64(b.N)/b.Elapsed().Seconds(), "values/s")
}

func BenchmarkShiftInterval(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	x, y := make([]float64, 500), make([]float64, 500)
	for i := range x {
		x[i], y[i] = rng.NormFloat64()+0.2, rng.NormFloat64()
	}
	var r Ranker
	for b.Loop() {
		if _, err := r.ShiftInterval(x, y, KayentaConfidence); err != nil {
			b.Fatal(err)
		}
	}
}

func pairwiseDiffs(x, y []float64) []float64 {
	var d []float64
	for _, a := range x {
		for _, b := range y {
			d = append(d, a-b)
		}
	}
	slices.Sort(d)
	return d
}

func floatBytes(v ...float64) []byte {
	var b []byte
	for _, f := range v {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
	}
	return b
}

// near reports whether got is within tol of want, relative to want's size
// when that exceeds 1.
func near(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*max(1, math.Abs(want))
}
