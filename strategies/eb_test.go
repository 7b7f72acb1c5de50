package strategies_test

import (
	"strings"
	"testing"
	"time"

	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/strategies"
)

// neverHealthy makes v2 fail every load balancer health check while it
// serves requests correctly.
func neverHealthy(cfg *models.Config) { cfg.Versions[1].HealthCheckFailRate = 1 }

func ebRolling(set func(*strategies.RollingConfig)) func(any) {
	return func(c any) {
		rc := c.(*strategies.RollingConfig)
		rc.BatchSizeType, rc.BatchSize = "Percentage", 30
		if set != nil {
			set(rc)
		}
	}
}

// TestEBFailedBatchStopsWithoutRollback: a batch that is not healthy
// within Timeout (600 s) fails the deployment; Elastic Beanstalk rolls
// nothing back, so the completed batches keep the new version, the rest
// the old, and the outcome is failed.
func TestEBFailedBatchStopsWithoutRollback(t *testing.T) {
	for _, name := range []string{"rolling", "rolling-with-additional-batch"} {
		t.Run(name, func(t *testing.T) {
			cfg := smallConfig()
			neverHealthy(&cfg)
			var set func(any)
			if name == "rolling" {
				set = ebRolling(nil)
			}
			r := deploy(t, cfg, 1, build(t, name, set), models.Deployment{})
			if r.Outcome != strategies.Failed || r.Timeline.RollbackAt >= 0 {
				t.Fatalf("seed 1: want failed with no rollback\n%s", describe(r))
			}
			// A failure of the deployment, not an operating error (which
			// the runner would report as a problem of the setup): in place,
			// the instance's AllowTraffic step timed out; the additional
			// batch's new instances were not healthy within Timeout.
			want := strategies.Trigger{Kind: strategies.TriggerLifecycle, Name: "AllowTraffic"}
			if name != "rolling" {
				want = strategies.Trigger{Kind: strategies.TriggerHealth}
			}
			if r.Trigger != want {
				t.Errorf("seed 1: trigger %+v, want %+v", r.Trigger, want)
			}
			failedAt := marksWith(r, "deployment failed")
			start := marksWith(r, "batch 1/")
			if name != "rolling" {
				start = marksWith(r, "additional batch of")
			}
			if len(failedAt) != 1 || len(start) != 1 {
				t.Fatalf("seed 1: marks missing\n%s", describe(r))
			}
			// The first batch's instances get Timeout from their
			// registration, which follows the install (about a minute).
			if d := failedAt[0] - start[0]; d < 600*time.Second || d > 600*time.Second+3*time.Minute {
				t.Errorf("seed 1: deployment failed %v after the first batch started, want Timeout 600s plus the install", d)
			}
			last := r.Timeline.Points[len(r.Timeline.Points)-1]
			if last.PerVersion[0].InService == 0 || last.PerVersion[1].InService == 0 {
				t.Errorf("seed 1: want both versions left running, got v1 %d v2 %d in service", last.PerVersion[0].InService, last.PerVersion[1].InService)
			}
		})
	}
}

// TestEBIgnoreHealthCheckContinues: with IgnoreHealthCheck the batches go
// on past the timeout and every instance ends on the new version.
func TestEBIgnoreHealthCheckContinues(t *testing.T) {
	cfg := smallConfig()
	neverHealthy(&cfg)
	s := build(t, "rolling", ebRolling(func(rc *strategies.RollingConfig) {
		rc.IgnoreHealthCheck, rc.Timeout = true, 2*time.Minute
	}))
	r := deploy(t, cfg, 1, s, models.Deployment{})
	if r.Outcome != strategies.Succeeded {
		t.Fatalf("seed 1: want succeeded\n%s", describe(r))
	}
	if n := len(marksWith(r, "batch ")); n != 4 {
		t.Errorf("seed 1: %d batches, want 4", n)
	}
	last := r.Timeline.Points[len(r.Timeline.Points)-1]
	if last.PerVersion[0].InService != 0 || last.PerVersion[1].InService != 10 {
		t.Errorf("seed 1: v1 %d v2 %d in service at the end, want 0 and 10", last.PerVersion[0].InService, last.PerVersion[1].InService)
	}
}

// TestEBRecoveryIsAManualRedeploy: after a failed deployment only a
// person (after their delay) or an alarm the user configured redeploys
// the previous version.
func TestEBRecoveryIsAManualRedeploy(t *testing.T) {
	t.Run("alarm", func(t *testing.T) {
		cfg := smallConfig()
		neverHealthy(&cfg)
		cfg.Alarms = []models.AlarmSpec{{Name: "healthy-hosts", Metric: "healthy_hosts", Comparison: "<", Threshold: 9, Period: time.Minute}}
		s := build(t, "rolling", ebRolling(func(rc *strategies.RollingConfig) {
			rc.Rollback = strategies.Rollback{Alarms: []string{"healthy-hosts"}, Human: strategies.Human{Disabled: true}}
		}))
		r := deploy(t, cfg, 1, s, models.Deployment{})
		if r.Outcome != strategies.RolledBack || !strings.Contains(r.Reason, "alarm healthy-hosts") ||
			r.Trigger != (strategies.Trigger{Kind: strategies.TriggerAlarm, Name: "healthy-hosts"}) {
			t.Fatalf("seed 1: want rolled back by the configured alarm\n%s", describe(r))
		}
	})
	t.Run("human after the failure", func(t *testing.T) {
		cfg := smallConfig()
		neverHealthy(&cfg)
		cfg.Versions[1].ErrorRate = 0.2 // the failed batch takes traffic (fail open) and fails it
		s := build(t, "rolling", ebRolling(func(rc *strategies.RollingConfig) {
			rc.BatchSizeType, rc.BatchSize, rc.Timeout = "Fixed", 10, 2*time.Minute
			rc.Rollback = strategies.Rollback{Human: strategies.Human{DelayMean: 8 * time.Minute, DelayStdDev: time.Second}}
		}))
		r := deploy(t, cfg, 1, s, models.Deployment{})
		failedAt := marksWith(r, "deployment failed")
		if r.Outcome != strategies.RolledBack || !strings.HasPrefix(r.Reason, "human") || r.Trigger.Kind != strategies.TriggerHuman || len(failedAt) != 1 {
			t.Fatalf("seed 1: want a failed deployment, then a redeploy by the human\n%s", describe(r))
		}
		if r.Timeline.RollbackAt <= failedAt[0] {
			t.Errorf("seed 1: the redeploy (%v) came before the failure (%v)", r.Timeline.RollbackAt, failedAt[0])
		}
	})
}
