package theory

import (
	"math"
	"math/big"
	"testing"
)

func near(got, want, relTol float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	if math.IsInf(want, 0) {
		return got == want
	}
	return math.Abs(got-want) <= relTol*math.Max(math.Abs(want), 1e-300)
}

func TestErlangKnownValues(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name string
		got  float64
		want float64
	}{
		{"B(1, 1) = 1/2", ErlangB(1, 1), 0.5},
		{"B(2, 1) = 1/5", ErlangB(2, 1), 0.2},
		{"B(3, 2) = 4/19", ErlangB(3, 2), 4.0 / 19},
		{"B(c, 0) = 0", ErlangB(4, 0), 0},
		{"C(2, 1) = 1/3", ErlangC(2, 1), 1.0 / 3},
		{"C(1, ρ) = ρ", ErlangC(1, 0.7), 0.7},
		{"C(c, 0) = 0", ErlangC(3, 0), 0},
		{"C unstable = 1", ErlangC(2, 2), 1},
		{"C overloaded = 1", ErlangC(2, 5), 1},
		{"B with c = 0 is NaN", ErlangB(0, 1), nan},
		{"C with a < 0 is NaN", ErlangC(2, -1), nan},
		{"C with a NaN is NaN", ErlangC(2, nan), nan},
		{"ρ = λ/(cμ)", Utilization(3, 1, 4), 0.75},
		{"ρ with c = 0 is NaN", Utilization(3, 1, 0), nan},
		{"offered load", OfferedLoad(6, 2), 3},
		{"offered load with μ = 0 is NaN", OfferedLoad(1, 0), nan},
		// M/M/1, λ = 0.5, μ = 1: Wq = ρ/(μ−λ) = 1, W = 1/(μ−λ) = 2, Lq = ρ²/(1−ρ) = 0.5.
		{"M/M/1 Wq", MeanWait(0.5, 1, 1), 1},
		{"M/M/1 W", MeanResponse(0.5, 1, 1), 2},
		{"M/M/1 Lq", MeanQueueLength(0.5, 1, 1), 0.5},
		// M/M/2, λ = μ = 1: C = 1/3, Wq = C/(2μ−λ) = 1/3, W = 4/3.
		{"M/M/2 Wq", MeanWait(1, 1, 2), 1.0 / 3},
		{"M/M/2 W", MeanResponse(1, 1, 2), 4.0 / 3},
		{"M/M/2 Lq", MeanQueueLength(1, 1, 2), 1.0 / 3},
		// Rates in other units scale times: μ = 10/s gives times in seconds.
		{"M/M/1 W, μ = 10/s", MeanResponse(5, 10, 1), 0.2},
		{"idle queue Wq", MeanWait(0, 1, 3), 0},
		{"idle queue Lq", MeanQueueLength(0, 1, 3), 0},
		{"unstable Wq", MeanWait(2, 1, 2), inf},
		{"unstable W", MeanResponse(3, 1, 2), inf},
		{"P(Wq > 0) = C", WaitTail(1, 1, 2, 0), 1.0 / 3},
		{"M/M/1 P(Wq > 1)", WaitTail(0.5, 1, 1, 1), 0.5 * math.Exp(-0.5)},
		{"P(Wq > −1) is NaN", WaitTail(1, 1, 2, -1), nan},
		{"unstable P(Wq > t)", WaitTail(3, 1, 2, 100), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !near(tt.got, tt.want, 1e-12) {
				t.Errorf("got %.15g, want %.15g", tt.got, tt.want)
			}
		})
	}
}

// erlangRef computes Erlang B and C exactly from the textbook definitions
// with rational arithmetic: B = (aᶜ/c!) / Σₖ₌₀..c aᵏ/k!, and
// C = X / (Σₖ₌₀..c−1 aᵏ/k! + X) with X = aᶜ/c! · c/(c−a).
func erlangRef(c int, a *big.Rat) (b, cc float64) {
	term := big.NewRat(1, 1) // aᵏ/k!
	sum := new(big.Rat)      // Σ over k < current
	for k := 1; k <= c; k++ {
		sum.Add(sum, term)
		term.Mul(term, a)
		term.Quo(term, big.NewRat(int64(k), 1))
	}
	full := new(big.Rat).Add(sum, term)
	b, _ = new(big.Rat).Quo(term, full).Float64()
	cr := big.NewRat(int64(c), 1)
	x := new(big.Rat).Mul(term, new(big.Rat).Quo(cr, new(big.Rat).Sub(cr, a)))
	cc, _ = new(big.Rat).Quo(x, new(big.Rat).Add(sum, x)).Float64()
	return b, cc
}

// TestErlangAgainstExactReference checks the recurrence against exact
// rational arithmetic, including server counts whose factorials overflow
// float64 (171! > MaxFloat64), at loads from light to nearly saturated.
func TestErlangAgainstExactReference(t *testing.T) {
	for _, c := range []int{1, 2, 3, 5, 10, 20, 50, 100, 200, 500} {
		for _, rho := range []*big.Rat{big.NewRat(1, 10), big.NewRat(1, 2), big.NewRat(9, 10), big.NewRat(99, 100)} {
			a := new(big.Rat).Mul(rho, big.NewRat(int64(c), 1))
			af, _ := a.Float64()
			wantB, wantC := erlangRef(c, a)
			if got := ErlangB(c, af); !near(got, wantB, 1e-11) {
				t.Errorf("ErlangB(%d, %v) = %.15g, exact %.15g", c, af, got, wantB)
			}
			if got := ErlangC(c, af); !near(got, wantC, 1e-11) {
				t.Errorf("ErlangC(%d, %v) = %.15g, exact %.15g", c, af, got, wantC)
			}
		}
	}
}

// TestWaitTailIntegratesToMeanWait checks the two formulas against each
// other: E[Wq] = ∫₀^∞ P(Wq > t) dt.
func TestWaitTailIntegratesToMeanWait(t *testing.T) {
	lambda, mu, c := 7.0, 1.0, 8
	want := MeanWait(lambda, mu, c)
	const dt = 1e-3
	var integral float64
	for i := 0; i < 200_000; i++ { // to t = 200, where the tail is e^−200
		t0, t1 := float64(i)*dt, float64(i+1)*dt
		integral += (WaitTail(lambda, mu, c, t0) + WaitTail(lambda, mu, c, t1)) / 2 * dt
	}
	if !near(integral, want, 1e-6) {
		t.Errorf("∫ P(Wq > t) dt = %.9g, MeanWait = %.9g", integral, want)
	}
}
