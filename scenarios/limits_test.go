package scenarios

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// TestLimits: each size over its limit is a load error at the field's
// line naming the limit; a size at its limit loads.
func TestLimits(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"replications", "replications: 100001\n", "x.yaml:1:1: replications: got 100001, the limit is 100000"},
		{"instances", "world:\n  instances: 100001\n", "x.yaml:2:3: world.instances: got 100001, the limit is 100000"},
		{"users", "world: {traffic: {users: 10000001}}\n", "world.traffic.users: got 10000001, the limit is 10000000"},
		{"resolvers", "world: {dns: {resolvers: 1000001}}\n", "world.dns.resolvers: got 1000001, the limit is 1000000"},
		{"rate", "world: {traffic: {rate: 1000001}}\n", "world.traffic.rate: got 1.000001e+06 requests/s; the limit is 1000000"},
		{"requests per run", "world: {traffic: {rate: 1000000}}\n", "world.traffic.rate: 1e+06 requests/s (× 1 at peak) over 3h2m0s is up to 1.09e+10 requests per run"},
		{"spike multiplier", "world: {traffic: {profile: spike, spike_multiplier: 1001}}\n", "world.traffic.spike_multiplier: got 1001; the limit is 1000"},
		{"simulated time overflows", "time_limit: 2562047h\ndeployment: {settle: 2562047h}\n", "more than 292 years of simulated time"},
		{"runs", "replications: 100000\nstrategies: [rolling, canary, linear, immutable, blue-green, all-at-once, {name: rolling, label: a}, {name: rolling, label: b}, {name: rolling, label: c}, {name: rolling, label: d}, {name: rolling, label: e}]\n", "100000 replications × 11 strategies = 1100000 runs"},
		{"alarm range", "alarms: [{name: a, metric: errors, comparison: '>', threshold: 1, period: 2h, evaluation_periods: 100}]\n", "alarms[0].evaluation_periods: period 2h0m0s × 100 evaluation periods is longer than 168h0m0s"},
		{"fault at", "faults: [{at: 200h, dns_outage: {}}]\n", "faults[0].at: got 200h0m0s; the limit is 168h0m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tc.src))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := Parse("x.yaml", []byte("replications: 10\nworld: {instances: 5, traffic: {rate: 1000, users: 10000000}, dns: {resolvers: 1000000}}\n")); err != nil {
		t.Fatalf("sizes at or under their limits: %v", err)
	}
}

func TestSaturating(t *testing.T) {
	for _, tc := range []struct {
		name      string
		got, want int64
	}{
		{"mul", mulSat(1000, 1000), 1_000_000},
		{"mul overflows", mulSat(math.MaxInt64/2, 3), math.MaxInt64},
		{"mul of a negative", mulSat(-1, 3), math.MaxInt64},
		{"add", addSat(1, 2), 3},
		{"add overflows", addSat(math.MaxInt64, 1), math.MaxInt64},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, tc.got, tc.want)
		}
	}
}

// TestCheckRunBoundsTheFlag: --replications is checked against the runs
// limit with the scenario's strategies, and the memory estimate against
// the budget.
func TestCheckRunBoundsTheFlag(t *testing.T) {
	sc, err := Parse("x.yaml", []byte("strategies: [rolling, canary]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.CheckRun(Options{Replications: math.MaxInt}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("CheckRun(MaxInt replications) = %v", err)
	}
	if err := sc.CheckRun(Options{Replications: 10, MemoryBudget: 1 << 20}); err == nil || !strings.Contains(err.Error(), "above the memory budget of 1.0 MiB") {
		t.Fatalf("CheckRun under a 1 MiB budget = %v", err)
	}
	if err := sc.CheckRun(Options{Replications: 10}); err != nil {
		t.Fatal(err)
	}
}
