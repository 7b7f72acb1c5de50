package strategies_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/strategies"
)

// TestArgoBasicCanaryLowerWeightScalesStableBackUp: without a traffic
// router the split is the replica ratio, and Argo's replica arithmetic
// works both ways: after set_weight 50 (5 canary, 5 stable of 10) a later
// set_weight 20 brings the stable back to 8 and the canary down to 2,
// within maxSurge and maxUnavailable all along.
func TestArgoBasicCanaryLowerWeightScalesStableBackUp(t *testing.T) {
	for _, tc := range []struct {
		surge, unavailable string
		ceiling, floor     int // live instances at most, healthy at least
	}{
		{"25%", "25%", 13, 8},
		{"2", "0", 12, 10},
		{"0", "1", 10, 9},
	} {
		t.Run(fmt.Sprintf("surge %s unavailable %s", tc.surge, tc.unavailable), func(t *testing.T) {
			s := build(t, "canary", func(c any) {
				cc := c.(*strategies.CanaryConfig)
				cc.TrafficRouting = "replicas"
				cc.MaxSurge, cc.MaxUnavailable = tc.surge, tc.unavailable
				cc.Steps = []strategies.CanaryStep{
					{SetWeight: new(50.0)}, {Pause: &strategies.Pause{Duration: 3 * time.Minute}},
					{SetWeight: new(20.0)}, {Pause: &strategies.Pause{Duration: 3 * time.Minute}},
				}
			})
			r := deploy(t, smallConfig(), 1, s, models.Deployment{})
			if r.Outcome != strategies.Succeeded {
				t.Fatalf("seed 1: %s", describe(r))
			}
			pauses := marksWith(r, "pause 3m0s")
			if len(pauses) != 2 {
				t.Fatalf("seed 1: %d pauses\n%s", len(pauses), describe(r))
			}
			for k, want := range [][2]int{{5, 5}, {8, 2}} {
				// The counts at the end of each pause.
				p := pointAt(r, pauses[k]+3*time.Minute-2*time.Second)
				// Replicas: Argo waits for the canary to be available but only
				// for the stable pods to be created.
				replicas := func(v models.VersionPoint) int { return v.Pending + v.InService }
				if got := [2]int{replicas(p.PerVersion[0]), replicas(p.PerVersion[1])}; got != want {
					t.Errorf("seed 1: after set_weight step %d: stable %d canary %d replicas, want %d and %d", k+1, got[0], got[1], want[0], want[1])
				}
			}
			// Within the limits while the fleets moved.
			for _, p := range r.Timeline.Points {
				if p.At < r.Timeline.DeployAt || p.At > pauses[1]+3*time.Minute {
					continue
				}
				live := p.PerVersion[0].Pending + p.PerVersion[0].InService + p.PerVersion[1].Pending + p.PerVersion[1].InService
				if live > tc.ceiling {
					t.Fatalf("seed 1: %d live instances at %v, above replicas + maxSurge = %d", live, p.At, tc.ceiling)
				}
			}
			if r.Metrics.CapacityFloor*10 < float64(tc.floor)-1e-9 {
				t.Errorf("seed 1: capacity floor %.2f, want at least replicas − maxUnavailable = %d of 10", r.Metrics.CapacityFloor, tc.floor)
			}
		})
	}
}

// TestArgoAbortScaleDownDelay: with a traffic router an abort sends all
// traffic back to the stable fleet at once; the canary keeps running (and
// costing) for abortScaleDownDelaySeconds, 30 by default, or for good
// with 0.
func TestArgoAbortScaleDownDelay(t *testing.T) {
	alarm := models.AlarmSpec{Name: "v2-errors", Metric: "error_rate", Version: "$to", Comparison: ">", Threshold: 0.05, Period: time.Minute}
	for _, tc := range []struct {
		name  string
		delay *int
		want  time.Duration // -1: never scaled down
	}{
		{"default", nil, 30 * time.Second},
		{"120", new(120), 120 * time.Second},
		{"0 keeps the canary", new(0), -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := smallConfig()
			badVersion(&cfg)
			cfg.Alarms = []models.AlarmSpec{alarm}
			s := build(t, "canary", func(c any) {
				cc := c.(*strategies.CanaryConfig)
				cc.Steps = []strategies.CanaryStep{{SetWeight: new(20.0)}, {Pause: &strategies.Pause{Duration: 10 * time.Minute}}}
				cc.AbortScaleDownDelaySeconds = tc.delay
				cc.Rollback = strategies.Rollback{Alarms: []string{"v2-errors"}, Human: strategies.Human{Disabled: true}}
			})
			r := deploy(t, cfg, 1, s, models.Deployment{})
			if r.Outcome != strategies.RolledBack {
				t.Fatalf("seed 1: want rolled_back\n%s", describe(r))
			}
			at := r.Timeline.RollbackAt
			// Traffic is back on stable within two seconds of the decision.
			if p := pointAt(r, at+2*time.Second); p.PerVersion[1].Requests != 0 {
				t.Errorf("seed 1: canary still served %d requests 2s after the abort", p.PerVersion[1].Requests)
			}
			// The canary (2 of 10 at 20 %) stays until the delay has passed
			// (a bucket counts instances as they are at its end).
			gone := time.Duration(-1)
			for _, p := range r.Timeline.Points {
				if p.At > at && p.PerVersion[1].InService == 0 {
					gone = p.At - at
					break
				}
			}
			switch {
			case tc.want < 0 && gone >= 0:
				t.Errorf("seed 1: canary scaled down %v after the abort; abort_scale_down_delay_seconds 0 keeps it", gone)
			case tc.want >= 0 && (gone < tc.want-time.Second || gone > tc.want+10*time.Second):
				t.Errorf("seed 1: canary gone %v after the abort, want %v (+ draining)\n%s", gone, tc.want, describe(r))
			}
			if p := pointAt(r, at+tc.want-3*time.Second); tc.want > 0 && p.PerVersion[1].InService != 2 {
				t.Errorf("seed 1: %d canary instances just before the delay ran out, want 2", p.PerVersion[1].InService)
			}
		})
	}
}
