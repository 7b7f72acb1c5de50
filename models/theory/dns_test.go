package theory

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

func TestRoute53Shares(t *testing.T) {
	tests := []struct {
		name    string
		weights []int
		want    []float64
		wantErr bool
	}{
		{"equal weights", []int{1, 1}, []float64{0.5, 0.5}, false},
		{"3 to 1", []int{3, 1}, []float64{0.75, 0.25}, false},
		{"all zero is an equal split", []int{0, 0, 0}, []float64{1.0 / 3, 1.0 / 3, 1.0 / 3}, false},
		{"zero gets nothing", []int{255, 0}, []float64{1, 0}, false},
		{"empty", nil, nil, true},
		{"above 255", []int{256, 1}, nil, true},
		{"negative", []int{-1, 1}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Route53Shares(tt.weights)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Route53Shares(%v) error %v, want error %v", tt.weights, err, tt.wantErr)
			}
			if !slices.EqualFunc(got, tt.want, func(a, b float64) bool { return near(a, b, 1e-15) }) {
				t.Errorf("Route53Shares(%v) = %v, want %v", tt.weights, got, tt.want)
			}
		})
	}
}

func TestWeightedShareKnownValues(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name      string
		got, want float64
	}{
		{"mean is p", WeightedShareMean(0.1, 7), 0.1},
		{"half over 100 resolvers", WeightedShareStdDev(0.5, 100), 0.05},
		{"10 % over 10 resolvers", WeightedShareStdDev(0.1, 10), math.Sqrt(0.009)},
		{"one resolver is all or nothing", WeightedShareStdDev(0.3, 1), math.Sqrt(0.21)},
		{"p = 0 never varies", WeightedShareStdDev(0, 5), 0},
		{"p = 1 never varies", WeightedShareStdDev(1, 5), 0},
		{"no resolvers is NaN", WeightedShareStdDev(0.5, 0), nan},
		{"p > 1 is NaN", WeightedShareStdDev(1.5, 3), nan},
		{"mean with p NaN", WeightedShareMean(nan, 3), nan},
		{"equal loads", WeightedShareStdDevLoads(0.1, []float64{5, 5, 5, 5, 5, 5, 5, 5, 5, 5}), math.Sqrt(0.009)},
		{"one resolver carries everyone", WeightedShareStdDevLoads(0.1, []float64{1, 0, 0}), 0.3},
		{"negative load is NaN", WeightedShareStdDevLoads(0.1, []float64{1, -1}), nan},
		{"zero total load is NaN", WeightedShareStdDevLoads(0.1, []float64{0, 0}), nan},
		{"canary of 10 % misses 4 resolvers", WeightedShareZeroProbability(0.1, 4), 0.6561},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !near(tt.got, tt.want, 1e-12) {
				t.Errorf("got %.15g, want %.15g", tt.got, tt.want)
			}
		})
	}
}

// TestWeightedShareMatchesBinomial cross-checks the closed form with
// gonum's binomial distribution: the share is Binomial(R, p) / R.
func TestWeightedShareMatchesBinomial(t *testing.T) {
	for _, r := range []int{1, 2, 5, 10, 50, 1000} {
		for _, p := range []float64{0.01, 0.1, 0.5, 0.9} {
			b := distuv.Binomial{N: float64(r), P: p}
			if got, want := WeightedShareStdDev(p, r), b.StdDev()/float64(r); !near(got, want, 1e-12) {
				t.Errorf("WeightedShareStdDev(%v, %d) = %v, binomial %v", p, r, got, want)
			}
			if got, want := WeightedShareZeroProbability(p, r), b.Prob(0); !near(got, want, 1e-9) {
				t.Errorf("WeightedShareZeroProbability(%v, %d) = %v, binomial %v", p, r, got, want)
			}
		}
	}
}

// TestWeightedShareMonteCarlo draws resolvers' cached answers and compares
// the sample mean, standard deviation and zero-share frequency with the
// formulas, each within five standard errors computed from the number of
// trials (the standard deviation's from the binomial's kurtosis).
func TestWeightedShareMonteCarlo(t *testing.T) {
	const (
		seed      = 7
		trials    = 20_000
		resolvers = 20
		p         = 0.1
	)
	rng := rand.New(rand.NewPCG(seed, 0))
	shares := make([]float64, trials)
	zeros := 0
	for i := range shares {
		k := 0
		for range resolvers {
			if rng.Float64() < p {
				k++
			}
		}
		if k == 0 {
			zeros++
		}
		shares[i] = float64(k) / resolvers
	}
	mean, sd := stat.MeanStdDev(shares, nil)
	wantSD := WeightedShareStdDev(p, resolvers)
	excessKurtosis := (1 - 6*p*(1-p)) / (resolvers * p * (1 - p))
	seVar := wantSD * wantSD * math.Sqrt(2.0/(trials-1)+excessKurtosis/trials)
	seSD := seVar / (2 * wantSD)
	pZero := WeightedShareZeroProbability(p, resolvers)
	seZero := math.Sqrt(pZero * (1 - pZero) / trials)
	if d := math.Abs(mean - WeightedShareMean(p, resolvers)); d > 5*wantSD/math.Sqrt(trials) {
		t.Errorf("seed %d: sample mean %v, want %v", seed, mean, p)
	}
	if d := math.Abs(sd - wantSD); d > 5*seSD {
		t.Errorf("seed %d: sample std dev %v, want %v ± %v", seed, sd, wantSD, 5*seSD)
	}
	if d := math.Abs(float64(zeros)/trials - pZero); d > 5*seZero {
		t.Errorf("seed %d: zero-share frequency %v, want %v ± %v", seed, float64(zeros)/trials, pZero, 5*seZero)
	}
}
