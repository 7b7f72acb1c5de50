package models

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/deploysim/deploysim/models/theory"
	"github.com/deploysim/deploysim/sim"
	"github.com/deploysim/deploysim/strategies"
)

// Fidelity tests: the world checked against theory where theory exists.
// Tolerances come from the sample: batch means for autocorrelated
// queueing output, binomial standard deviations for DNS splits, and the
// documented health-check arithmetic for detection times.

func mustWorld(t *testing.T, cfg Config, seed uint64) *World {
	t.Helper()
	w, err := New(cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return w
}

func runFor(t *testing.T, w *World, d time.Duration) {
	t.Helper()
	if err := w.RunFor(context.Background(), d); err != nil {
		t.Fatal(err)
	}
}

// batchCheck compares the mean of batch means with want, allowing four
// standard errors of the batch means (and failing if that tolerance is so
// wide that the test would mean nothing).
func batchCheck(t *testing.T, what string, batches []float64, want, maxRel float64) {
	t.Helper()
	mean, sd := stat.MeanStdDev(batches, nil)
	tol := 4 * sd / math.Sqrt(float64(len(batches)))
	if tol > maxRel*want {
		t.Fatalf("%s: tolerance %.4g is over %.0f%% of %.4g; run longer", what, tol, maxRel*100, want)
	}
	if math.Abs(mean-want) > tol {
		t.Errorf("%s: measured %.5g, theory %.5g, tolerance ±%.3g (4 s.e. of %d batch means)", what, mean, want, tol, len(batches))
	} else {
		t.Logf("%s: measured %.5g, theory %.5g, tolerance ±%.3g", what, mean, want, tol)
	}
}

// TestMMcMatchesErlangC: one instance with c concurrent slots, a deep
// queue and exponential service under Poisson arrivals is an M/M/c queue;
// mean response time and busy slots must match Erlang C.
func TestMMcMatchesErlangC(t *testing.T) {
	const (
		c      = 4
		mu     = 10.0 // per slot, per second: mean service 100ms
		lambda = 32.0 // ρ = 0.8
	)
	cfg := DefaultConfig()
	cfg.Instances = 1
	v := DefaultVersion("v1")
	v.LatencyDist = "exponential"
	v.LatencyP50 = time.Duration(math.Round(math.Ln2 / mu * 1e9))
	v.LatencyP99 = v.LatencyP50
	v.Concurrency, v.QueueLength = c, 1<<20
	cfg.Versions = []VersionSpec{v}
	cfg.Traffic.Rate = lambda
	cfg.Traffic.Timeout = time.Hour
	w := mustWorld(t, cfg, 7)
	runFor(t, w, 10*time.Minute) // warm up

	const batches, batch = 30, 10 * time.Minute
	var resp, busy []float64
	for range batches {
		var sum, n float64
		for range int(batch / time.Second) {
			runFor(t, w, time.Second)
			sum += float64(w.insts[0].inflight)
			n++
		}
		busy = append(busy, sum/n)
		st := w.Window(strategies.Scope{}, batch)
		resp = append(resp, st.LatencyMean.Seconds())
	}
	batchCheck(t, "mean response time (s)", resp, theory.MeanResponse(lambda, mu, c), 0.1)
	batchCheck(t, "busy slots", busy, lambda/mu, 0.05)
}

// greenEnv builds a second environment running v2 behind its own load
// balancer (cname "green") from a process, as a strategy would, and waits
// until its targets are healthy.
func greenEnv(t *testing.T, w *World, n int) {
	t.Helper()
	ready := false
	w.Sim().Go("setup", func(p *sim.Proc) {
		env := w.Env(p, strategies.Target{}, nil)
		tg, _ := env.ELB.CreateTargetGroup("green")
		if _, err := env.LBs.CreateLoadBalancer("green", tg); err != nil {
			t.Error(err)
			return
		}
		if _, err := env.ASG.CreateGroup(strategies.GroupSpec{Name: "green", Version: "v2", Desired: n, Max: n, TargetGroups: []strategies.TargetGroupID{tg}}); err != nil {
			t.Error(err)
			return
		}
		p.WaitUntil(func() bool { return env.Obs.HealthyHosts(tg) == n }, w.changed, -1)
		ready = true
	})
	for !ready {
		runFor(t, w, 10*time.Second)
		if w.Now() > time.Hour {
			t.Fatal("green never became healthy")
		}
	}
}

func setWeights(t *testing.T, w *World, blue, green int) {
	t.Helper()
	c := &cloud{w: w}
	if err := c.SetWeights([]strategies.WeightedRecord{{SetIdentifier: "blue", Target: "blue", Weight: blue}, {SetIdentifier: "green", Target: "green", Weight: green}}); err != nil {
		t.Fatal(err)
	}
}

// shareSeries returns v2's share of requests in each timeline bucket in
// [from, to).
func shareSeries(w *World, from, to time.Duration) []float64 {
	var out []float64
	for _, p := range w.meter.timeline {
		if p.At >= from && p.At < to {
			out = append(out, p.PerVersion[1].Share)
		}
	}
	return out
}

func resolverLoads(w *World) []float64 {
	loads := make([]float64, len(w.resolvers))
	for u := range w.users {
		loads[w.userResolver(int32(u))]++
	}
	return loads
}

// TestDNSSplit: the long-run split matches the weights; with few resolvers
// the split at any moment is lumpy, with the binomial spread theory
// predicts; with many it is smooth.
func TestDNSSplit(t *testing.T) {
	const p = 0.2
	for _, resolvers := range []int{4, 1000} {
		t.Run(fmt.Sprintf("resolvers=%d", resolvers), func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.DNS.Resolvers = resolvers
			cfg.Traffic.Rate = 500
			w := mustWorld(t, cfg, 11)
			greenEnv(t, w, 10)
			setWeights(t, w, 80, 20)
			start := w.Now() + 2*cfg.DNS.TTL
			const windows = 240
			runFor(t, w, 2*cfg.DNS.TTL+windows*cfg.DNS.TTL)
			series := shareSeries(w, start, w.Now())
			// One value per TTL: caches turn over once per TTL, so values a
			// TTL apart are (nearly) independent draws.
			var perTTL []float64
			step := int(cfg.DNS.TTL / cfg.Measure.Bucket)
			for k := step / 2; k < len(series); k += step {
				perTTL = append(perTTL, series[k])
			}
			mean, sd := stat.MeanStdDev(perTTL, nil)
			wantSD := theory.WeightedShareStdDevLoads(p, resolverLoads(w))
			// Per-bucket noise of the sample itself (500 rps × 1s buckets).
			noise := math.Sqrt(p * (1 - p) / 500)
			wantSD = math.Hypot(wantSD, noise)
			se := wantSD / math.Sqrt(float64(len(perTTL)))
			if math.Abs(mean-p) > 4*se {
				t.Errorf("long-run share %.4f, want %.2f ± %.4f", mean, p, 4*se)
			}
			// The sample s.d. of n normal draws has relative s.e. 1/√(2(n−1)).
			relSE := 1 / math.Sqrt(2*float64(len(perTTL)-1))
			if math.Abs(sd/wantSD-1) > 4*relSE+0.05 {
				t.Errorf("spread of the share %.4f, theory %.4f (±%.0f%%)", sd, wantSD, (4*relSE+0.05)*100)
			}
			t.Logf("mean share %.4f (want %.2f ± %.4f), s.d. %.4f (theory %.4f)", mean, p, 4*se, sd, wantSD)
		})
	}
}

// TestDNSFlipDecaysWithinTTL: after a flip every resolver's cache has
// expired within one TTL, so old traffic stops — except for the clients
// that ignore the TTL, whose share lingers until their own caches expire.
func TestDNSFlipDecaysWithinTTL(t *testing.T) {
	for _, ignore := range []float64{0, 0.1} {
		t.Run(fmt.Sprintf("ignore=%.1f", ignore), func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.DNS.IgnoreTTLFraction = ignore
			cfg.Traffic.Rate = 500
			w := mustWorld(t, cfg, 5)
			greenEnv(t, w, 10)
			runFor(t, w, cfg.DNS.IgnoreTTLFor) // every TTL-ignoring client has cached blue
			flip := w.Now()
			setWeights(t, w, 0, 100)
			runFor(t, w, cfg.DNS.IgnoreTTLFor+2*cfg.DNS.TTL)
			old := func(from, to time.Duration) float64 {
				s := shareSeries(w, from, to)
				return 1 - stat.Mean(s, nil)
			}
			justAfter := old(flip, flip+3*time.Second)
			half := old(flip+cfg.DNS.TTL/2-3*time.Second, flip+cfg.DNS.TTL/2+3*time.Second)
			afterTTL := old(flip+cfg.DNS.TTL+time.Second, flip+cfg.DNS.TTL+time.Minute)
			late := old(flip+cfg.DNS.IgnoreTTLFor+cfg.DNS.TTL+time.Second, w.Now())
			t.Logf("old share: just after %.3f, half a TTL after %.3f, after one TTL %.4f, after the TTL-ignorers' hold %.4f", justAfter, half, afterTTL, late)
			if justAfter < 0.85 {
				t.Errorf("the flip was instant (old share %.3f right after): caches are not honoured", justAfter)
			}
			// Resolver caches expire uniformly over the TTL: half a TTL
			// after the flip about half of them still hold blue. 100
			// resolvers: s.d. √(.25/100) = .05; allow 4 s.d.
			if want := 0.5 + ignore/2; math.Abs(half-want) > 0.2 {
				t.Errorf("old share half a TTL after the flip %.3f, want %.2f ± 0.2 (linear decay)", half, want)
			}
			if late != 0 {
				t.Errorf("old traffic %.4f after every cache expired", late)
			}
			if ignore == 0 && afterTTL != 0 {
				t.Errorf("old traffic %.4f after one TTL with no TTL-ignoring clients", afterTTL)
			}
			if ignore > 0 {
				// Their caches were refreshed uniformly over the hold time, so
				// about ignore × (1 − TTL/hold) of traffic still goes to blue.
				lo, hi := ignore*0.5, ignore*1.05
				if afterTTL < lo || afterTTL > hi {
					t.Errorf("TTL-ignoring share after one TTL %.4f, want in [%.3f, %.3f]", afterTTL, lo, hi)
				}
			}
		})
	}
}

// TestDeadTargetDetection: a target whose application died is marked
// unhealthy between (unhealthy_threshold−1)×interval and
// unhealthy_threshold×interval (+timeout) later; requests sent to it fail
// until then, and none after.
func TestDeadTargetDetection(t *testing.T) {
	hc := DefaultConfig().LB.HealthCheck
	lo := time.Duration(hc.UnhealthyThreshold-1) * hc.Interval
	hi := time.Duration(hc.UnhealthyThreshold)*hc.Interval + hc.Timeout
	var delays []float64
	for seed := uint64(1); seed <= 20; seed++ {
		w := mustWorld(t, DefaultConfig(), seed)
		runFor(t, w, time.Minute+time.Duration(seed)*1700*time.Millisecond)
		if n := w.CrashApplications(Selector{Count: 1}); n != 1 {
			t.Fatalf("crashed %d", n)
		}
		crashed := int32(-1)
		for i := range w.insts {
			if !w.insts[i].serving && w.insts[i].state == strategies.InService {
				crashed = int32(i)
			}
		}
		at := w.Now()
		for {
			runFor(t, w, 100*time.Millisecond)
			if st, _ := w.targetState(1, crashed); st == strategies.TargetUnhealthy {
				break
			}
			if w.Now()-at > 2*hi {
				t.Fatalf("seed %d: never marked unhealthy", seed)
			}
		}
		d := w.Now() - at
		delays = append(delays, d.Seconds())
		if d < lo || d > hi+100*time.Millisecond {
			t.Errorf("seed %d: marked unhealthy after %v, want in [%v, %v]", seed, d, lo, hi)
		}
		detected := w.Now()
		runFor(t, w, time.Minute)
		var before, after int64
		for _, p := range w.meter.timeline {
			switch {
			case p.At >= at && p.At+time.Second <= detected-time.Second:
				before += p.Failed
			case p.At >= detected+time.Second:
				after += p.Failed
			}
		}
		if before == 0 || after != 0 {
			t.Errorf("seed %d: %d failures before detection (want > 0), %d after (want 0)", seed, before, after)
		}
	}
	mean := stat.Mean(delays, nil)
	t.Logf("detection delay over 20 seeds: mean %.1fs (uniform phase → %.1fs), range [%v, %v]", mean, (lo+hi-hc.Timeout).Seconds()/2, lo, hi)
}

// TestConservationUnderChaos: arrived = ended + in flight holds at every
// bucket (the meter panics otherwise) through kills, crashes, draining,
// overload and zone outages.
func TestConservationUnderChaos(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Traffic.Rate = 2000
	v := DefaultVersion("v1")
	v.Concurrency, v.QueueLength = 4, 8
	v.CrashAfter = Dist{Mean: 2 * time.Minute, StdDev: time.Minute}
	cfg.Versions = []VersionSpec{v}
	w := mustWorld(t, cfg, 3)
	runFor(t, w, time.Minute)
	w.KillInstances(Selector{Count: 3})
	runFor(t, w, time.Minute)
	w.CrashApplications(Selector{Percent: 50})
	runFor(t, w, time.Minute)
	if err := w.SetAZDown("a", true); err != nil {
		t.Fatal(err)
	}
	w.SetTrafficMultiplier(3)
	runFor(t, w, 5*time.Minute)
	if w.Arrived() != w.meter.recorded+w.InFlight() {
		t.Fatalf("arrived %d != ended %d + in flight %d", w.Arrived(), w.meter.recorded, w.InFlight())
	}
	var causes [8]int64
	for _, p := range w.meter.timeline {
		causes[0] += p.Failed
	}
	if causes[0] == 0 {
		t.Fatal("chaos caused no failures: the test exercises nothing")
	}
}

// TestSameSeedSameResult: a deployment run twice with one seed gives the
// same Result to the last bit; another seed gives another.
func TestSameSeedSameResult(t *testing.T) {
	run := func(seed uint64) string {
		w := mustWorld(t, DefaultConfig(), seed)
		r, err := w.Deploy(context.Background(), Deployment{Strategy: inPlaceAll{block: true}, To: "v2"})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%#v", r)
	}
	a, b := run(9), run(9)
	if a != b {
		t.Fatal("seed 9 gave two different results")
	}
	if a == run(10) {
		t.Fatal("seeds 9 and 10 gave the same result")
	}
}

// TestNoAllocationPerRequest: in steady state a simulated request
// allocates nothing; what little the run allocates is per timeline bucket
// (amortised over a thousand buckets) and per observation slot.
func TestNoAllocationPerRequest(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Instances = 100
	cfg.Traffic.Rate = 2000
	w := mustWorld(t, cfg, 1)
	runFor(t, w, 5*time.Minute)
	before := w.Arrived()
	allocs := testing.AllocsPerRun(1, func() { runFor(t, w, time.Minute) })
	reqs := float64(w.Arrived()-before) / 2 // AllocsPerRun runs the function twice
	if per := allocs / reqs; per > 0.001 {
		t.Fatalf("%.0f allocations for %.0f requests (%.4f per request)", allocs, reqs, per)
	}
}
