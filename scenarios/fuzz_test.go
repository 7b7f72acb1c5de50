package scenarios

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/deploysim/deploysim/internal/sandbox/sandboxtest"
	"github.com/deploysim/deploysim/models"
)

// fuzzSummary is a strategy's summary for thresholds to evaluate over.
func fuzzSummary(x float64) *Summary {
	s := &Summary{Runs: 3, Metrics: Metrics{}, Outcomes: map[string]float64{"succeeded": 1}}
	for _, n := range models.MetricNames {
		s.Metrics[n] = Summarize([]float64{x, 2 * x, math.NaN()})
	}
	return s
}

func FuzzExpectExpression(f *testing.F) {
	for _, s := range append(sandboxtest.Seeds, `p95(downtime_s) < 30 && share("rolled_back") == 0`, `mean(availability) > 0.99 || runs < 5`) {
		f.Add(s, 1.5)
	}
	f.Fuzz(func(t *testing.T, src string, x float64) {
		var calls []call
		sandboxtest.Check(t, ExpectExpressions, src, expectEnv(fuzzSummary(x), &calls))
	})
}

func FuzzWhenExpression(f *testing.F) {
	for _, s := range append(sandboxtest.Seeds, `new_version_share >= 0.5`, `error_rate > 0.05 && time_s > 60`) {
		f.Add(s, 0.25)
	}
	f.Fuzz(func(t *testing.T, src string, x float64) {
		sandboxtest.Check(t, WhenExpressions, src, WhenEnv{TimeS: 100 * x, NewVersionShare: x, ErrorRate: x / 10,
			NewErrorRate: x, OldErrorRate: 0, RequestsPerS: 200, LatencyP99Ms: 250 * x})
	})
}

// FuzzSweep expands a grid over a fuzzed scenario: never a panic, and
// every refusal is an invalid-input error.
func FuzzSweep(f *testing.F) {
	for _, n := range []string{"default", "healthy-release"} {
		src, _ := BuiltinSource(n)
		f.Add(src, "world.instances=4,6", "strategies.rolling.batch_size=1,2")
	}
	f.Add([]byte("a0: &a [1, 2]\na1: &b [*a, *a, *a]\nworld: &w {instances: 3, x: *w}\n"), "seed=1,2", "replications=1")
	f.Add([]byte("replications: 1\nstrategies: [rolling]\n"), "versions.v2.error_rate=0,5%", "deployment.settle=1m")
	f.Fuzz(func(t *testing.T, src []byte, set1, set2 string) {
		var params []Param
		for _, s := range []string{set1, set2} {
			p, err := ParseSet(s)
			if err != nil {
				return
			}
			params = append(params, p)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		sw, err := NewSweep(ctx, "fuzz.yaml", src, params, LoadOptions{})
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrInterrupted) {
				t.Fatalf("NewSweep: %v is neither invalid input nor an interruption", err)
			}
			return
		}
		if int64(len(sw.Points)) > MaxSweepPoints {
			t.Fatalf("%d points", len(sw.Points))
		}
	})
}

// FuzzLoadAndRun loads a fuzzed scenario and runs one short replication
// of its first strategy, for at most a second of wall time within a
// memory budget: a scenario that loads must run without a broken
// invariant, and fail, if it fails, with an error of the scenario's.
func FuzzLoadAndRun(f *testing.F) {
	for _, n := range BuiltinNames() {
		src, _ := BuiltinSource(n)
		f.Add(src)
	}
	f.Add([]byte("replications: 1\nworld: {instances: 3, traffic: {rate: 20, users: 100}}\nstrategies: [canary]\nalarms: [{name: a, expression: '[1][requests > 0 ? 3 : 0] > 1'}]\n"))
	f.Add([]byte("replications: 1\nstrategies: [rolling]\nfaults: [{when: 'time_s > 30', kill_instances: {percent: 50%}}]\nexpect: ['[1][runs] > 0']\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		sc, err := Parse("fuzz.yaml", src)
		if err != nil {
			return
		}
		if len(sc.Strategies) == 0 || sc.Estimate(Options{Replications: 1, Workers: 1}).World.Total() > 256<<20 {
			return
		}
		// A short replication: the deployment's limit and the settling
		// time cut to minutes of simulated time.
		sc.TimeLimit = min(sc.TimeLimit, 10*time.Minute)
		sc.Deployment.Settle = min(sc.Deployment.Settle, time.Minute)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err = sc.RunOnce(ctx, &sc.Strategies[0], ReplicationSeed(sc.Seed, 0))
		switch {
		case err == nil, ctx.Err() != nil:
		case strings.Contains(err.Error(), "panic"):
			t.Fatalf("run: %v", err)
		case !errors.Is(err, ErrInvalid):
			t.Fatalf("run failed with an error that is not the scenario's: %v", err)
		}
	})
}
