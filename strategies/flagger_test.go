package strategies_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/strategies"
)

// marksWith returns the times of the marks whose text starts with prefix.
func marksWith(r models.Result, prefix string) []time.Duration {
	var out []time.Duration
	for _, m := range r.Marks {
		if strings.HasPrefix(m.Text, prefix) {
			out = append(out, m.At)
		}
	}
	return out
}

// pointAt returns the timeline bucket that starts at t.
func pointAt(r models.Result, t time.Duration) models.Point {
	for _, p := range r.Timeline.Points {
		if p.At >= t {
			return p
		}
	}
	return r.Timeline.Points[len(r.Timeline.Points)-1]
}

// binomialTolerance is four standard deviations of a share p estimated
// from n independent requests.
func binomialTolerance(p float64, n int64) float64 {
	return 4 * math.Sqrt(p*(1-p)/float64(n))
}

func flaggerCanary(f strategies.FlaggerConfig, human bool) func(any) {
	return func(c any) {
		cc := c.(*strategies.CanaryConfig)
		cc.Flagger = &f
		cc.Rollback.Human.Disabled = !human
	}
}

// TestFlaggerPromotionTime reproduces Flagger's documented minimum
// analysis time, interval × (maxWeight / stepWeight), on the world: from
// the first traffic shift to promotion, one weight step per interval, with
// the canary already scaled to the primary's replica count at the first
// shift.
func TestFlaggerPromotionTime(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		interval              time.Duration
		stepWeight, maxWeight float64
	}{
		{"1m 20/60", time.Minute, 20, 60},
		{"30s 10/50", 30 * time.Second, 10, 50},
		{"docs 1m 2/50", time.Minute, 2, 50}, // the documentation's example: 25 minutes
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := strategies.FlaggerConfig{Interval: tc.interval, StepWeight: tc.stepWeight, MaxWeight: tc.maxWeight}
			r := deploy(t, smallConfig(), 1, build(t, "canary", flaggerCanary(f, false)), models.Deployment{})
			if r.Outcome != strategies.Succeeded {
				t.Fatalf("seed 1: %s", describe(r))
			}
			steps := marksWith(r, "advance canary weight")
			promote := marksWith(r, "promote: copy canary spec")
			want := time.Duration(tc.maxWeight/tc.stepWeight) * tc.interval
			if len(steps) != int(tc.maxWeight/tc.stepWeight) || len(promote) != 1 {
				t.Fatalf("seed 1: %d weight steps and %d promotions, want %v and 1\n%s", len(steps), len(promote), tc.maxWeight/tc.stepWeight, describe(r))
			}
			if got := promote[0] - steps[0]; got != want {
				t.Errorf("seed 1: first shift to promotion %v, want interval × maxWeight/stepWeight = %v", got, want)
			}
			for k := 1; k < len(steps); k++ {
				if d := steps[k] - steps[k-1]; d != tc.interval {
					t.Errorf("seed 1: step %d came %v after the previous one, want one interval %v", k+1, d, tc.interval)
				}
			}
			// The canary was at full size before any traffic reached it.
			if p := pointAt(r, steps[0]); p.PerVersion[1].InService != 10 || p.PerVersion[1].Healthy != 10 {
				t.Errorf("seed 1: at the first shift the canary had %d in service, %d healthy; want the primary's 10", p.PerVersion[1].InService, p.PerVersion[1].Healthy)
			}
			before := pointAt(r, steps[0]-2*time.Second)
			if before.PerVersion[1].Requests != 0 {
				t.Errorf("seed 1: the canary served %d requests before the first shift", before.PerVersion[1].Requests)
			}
		})
	}
}

// TestFlaggerFailedChecksHaltAndRollBack: every check fails; the weight
// stays at the first step, and the rollback follows the first failed
// check by interval × threshold, Flagger's documented rollback time.
func TestFlaggerFailedChecksHaltAndRollBack(t *testing.T) {
	for _, threshold := range []int{1, 2, 5} {
		t.Run(fmt.Sprintf("threshold %d", threshold), func(t *testing.T) {
			cfg := smallConfig()
			badVersion(&cfg)
			f := strategies.FlaggerConfig{Interval: time.Minute, StepWeight: 10, MaxWeight: 50, Threshold: threshold}
			r := deploy(t, cfg, 1, build(t, "canary", flaggerCanary(f, false)), models.Deployment{})
			if r.Outcome != strategies.RolledBack || !strings.Contains(r.Reason, "failed checks threshold reached") || r.Trigger.Kind != strategies.TriggerAnalysis {
				t.Fatalf("seed 1: want rolled_back by the failed checks\n%s", describe(r))
			}
			steps := marksWith(r, "advance canary weight")
			halts := marksWith(r, "flagger: halt advancement")
			if len(steps) != 1 {
				t.Errorf("seed 1: %d weight steps while every check failed, want 1 (the weight halts)\n%s", len(steps), describe(r))
			}
			if len(halts) != threshold {
				t.Fatalf("seed 1: %d failed checks, want %d\n%s", len(halts), threshold, describe(r))
			}
			if got, want := r.Timeline.RollbackAt-halts[0], time.Duration(threshold)*time.Minute; got != want {
				t.Errorf("seed 1: first failed check to rollback %v, want interval × threshold = %v", got, want)
			}
			// The canary kept its 10 % while it waited: the share of v2 in
			// the minute before the rollback.
			var v2, all int64
			for _, p := range r.Timeline.Points {
				if p.At >= r.Timeline.RollbackAt-time.Minute && p.At < r.Timeline.RollbackAt {
					v2 += p.PerVersion[1].Requests
					all += p.Requests
				}
			}
			if share, tol := float64(v2)/float64(all), binomialTolerance(0.1, all); math.Abs(share-0.1) > tol {
				t.Errorf("seed 1: v2 share %.3f in the last minute before the rollback, want 10 %% ± %.3f", share, tol)
			}
			last := r.Timeline.Points[len(r.Timeline.Points)-1]
			if last.PerVersion[1].Requests > 0 || last.PerVersion[1].InService > 0 {
				t.Errorf("seed 1: canary still serving or running at the end: %+v", last.PerVersion[1])
			}
		})
	}
}

// TestFlaggerBlueGreenAndABTesting: iterations without match keep every
// user on the primary, then switch all traffic to the canary for one
// interval before promotion; with match the matching share goes to the
// canary for the iterations.
func TestFlaggerBlueGreenAndABTesting(t *testing.T) {
	t.Run("blue/green", func(t *testing.T) {
		f := strategies.FlaggerConfig{Interval: time.Minute, Iterations: 3}
		r := deploy(t, smallConfig(), 1, build(t, "canary", flaggerCanary(f, false)), models.Deployment{})
		if r.Outcome != strategies.Succeeded {
			t.Fatalf("seed 1: %s", describe(r))
		}
		iters := marksWith(r, "iteration ")
		sw := marksWith(r, "route all traffic to the canary")
		promote := marksWith(r, "promote: copy canary spec")
		if len(iters) != 3 || len(sw) != 1 || len(promote) != 1 {
			t.Fatalf("seed 1: %d iterations, %d switches, %d promotions\n%s", len(iters), len(sw), len(promote), describe(r))
		}
		if sw[0]-iters[0] != 3*time.Minute || promote[0]-sw[0] != time.Minute {
			t.Errorf("seed 1: iterations at %v, switch at %v, promotion at %v: want the switch 3 intervals after the first iteration, promotion one after", iters[0], sw[0], promote[0])
		}
		for _, p := range r.Timeline.Points {
			if p.At < sw[0] && p.PerVersion[1].Requests > 0 {
				t.Fatalf("seed 1: the canary served %d requests at %v, before the switch", p.PerVersion[1].Requests, p.At)
			}
		}
		if p := pointAt(r, sw[0]+30*time.Second); p.PerVersion[0].Requests != 0 {
			t.Errorf("seed 1: the primary still served %d requests after the switch", p.PerVersion[0].Requests)
		}
	})
	t.Run("A/B", func(t *testing.T) {
		f := strategies.FlaggerConfig{Interval: time.Minute, Iterations: 4, MatchPercent: 20}
		r := deploy(t, smallConfig(), 1, build(t, "canary", flaggerCanary(f, false)), models.Deployment{})
		if r.Outcome != strategies.Succeeded {
			t.Fatalf("seed 1: %s", describe(r))
		}
		route := marksWith(r, "route matching requests")
		promote := marksWith(r, "promote: copy canary spec")
		if len(route) != 1 || len(promote) != 1 || promote[0]-route[0] != 4*time.Minute {
			t.Fatalf("seed 1: want promotion 4 intervals after routing the matching requests\n%s", describe(r))
		}
		var v2, all int64
		for _, p := range r.Timeline.Points {
			if p.At >= route[0] && p.At < promote[0] {
				v2 += p.PerVersion[1].Requests
				all += p.Requests
			}
		}
		if share, tol := float64(v2)/float64(all), binomialTolerance(0.2, all); math.Abs(share-0.2) > tol {
			t.Errorf("seed 1: v2 share %.3f during the A/B test, want 20 %% ± %.3f", share, tol)
		}
	})
}
