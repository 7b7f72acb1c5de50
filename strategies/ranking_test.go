package strategies_test

import (
	"math"
	"testing"

	"github.com/deploysim/deploysim/models"
)

// TestEBDeploymentTimeRanking: the Elastic Beanstalk Developer Guide's
// table of deployment methods ranks deploy time all at once < rolling <
// rolling with additional batch < immutable ≈ traffic splitting ≈
// blue/green. A healthy release on the default world (models.
// DefaultConfig, every strategy with its defaults) keeps that order. The
// deployment time is start to end of the strategy's run; each step up the
// ranking must exceed 3 standard errors of the difference of the means
// over the seeds.
func TestEBDeploymentTimeRanking(t *testing.T) {
	if testing.Short() {
		t.Skip("60 runs of the default world")
	}
	const seeds = 10
	tiers := [][]string{
		{"all-at-once"}, {"rolling"}, {"rolling-with-additional-batch"},
		{"immutable", "traffic-splitting", "blue-green"},
	}
	type stat struct{ mean, varMean float64 }
	measure := func(name string) stat {
		var xs []float64
		for seed := uint64(1); seed <= seeds; seed++ {
			r := deploy(t, models.DefaultConfig(), seed, build(t, name, nil), models.Deployment{})
			if r.Outcome.String() != "succeeded" {
				t.Fatalf("%s seed %d: %s", name, seed, describe(r))
			}
			xs = append(xs, (r.Timeline.EndAt - r.Timeline.DeployAt).Seconds())
		}
		var m, v float64
		for _, x := range xs {
			m += x / seeds
		}
		for _, x := range xs {
			v += (x - m) * (x - m) / (seeds - 1)
		}
		t.Logf("%-30s %7.0f s ± %.0f (sd over %d seeds)", name, m, math.Sqrt(v), seeds)
		return stat{m, v / seeds}
	}
	got := map[string]stat{}
	for _, tier := range tiers {
		for _, name := range tier {
			got[name] = measure(name)
		}
	}
	for k := 1; k < len(tiers); k++ {
		for _, lo := range tiers[k-1] {
			for _, hi := range tiers[k] {
				a, b := got[lo], got[hi]
				if d, se := b.mean-a.mean, math.Sqrt(a.varMean+b.varMean); d <= 3*se {
					t.Errorf("%s (%.0f s) is not slower than %s (%.0f s) by 3 standard errors (%.0f s)", hi, b.mean, lo, a.mean, 3*se)
				}
			}
		}
	}
}
