package sim_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/deploysim/deploysim/sim"
)

func TestStreamsAreReproducibleAndIndependent(t *testing.T) {
	st := sim.NewStreams(7)
	a, b := st.Source("arrivals"), st.Source("arrivals")
	c := st.Source("service")
	same, diff := true, 0
	for range 100 {
		x, y, z := a.Uint64(), b.Uint64(), c.Uint64()
		same = same && x == y
		if x != z {
			diff++
		}
	}
	if !same || diff < 99 {
		t.Fatalf("same name reproducible: %v; different names differ in %d of 100", same, diff)
	}
	if sim.NewStreams(7).Child(1).Source("x").Uint64() == sim.NewStreams(7).Child(2).Source("x").Uint64() {
		t.Fatal("children 1 and 2 share a stream")
	}
	if st.Index(0).Uint64() == st.Index(1).Uint64() {
		t.Fatal("indexed streams 0 and 1 collide")
	}
}

// TestStreamAsGonumSource: a stream drives a gonum distribution, and the
// sample mean lands within 4 standard errors of the distribution's mean.
func TestStreamAsGonumSource(t *testing.T) {
	const n = 100000
	d := distuv.LogNormal{Mu: math.Log(0.05), Sigma: 0.8, Src: sim.NewStreams(1).Source("latency")}
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = d.Rand()
	}
	mean, sd := stat.MeanStdDev(xs, nil)
	if se := sd / math.Sqrt(n); math.Abs(mean-d.Mean()) > 4*se {
		t.Fatalf("sample mean %.5f, want %.5f ± %.5f", mean, d.Mean(), 4*se)
	}
	var _ rand.Source = sim.NewStreams(1).Source("x")
}
