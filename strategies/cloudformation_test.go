package strategies_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/strategies"
)

// cfnRolling builds rolling variant cloudformation with set applied.
func cfnRolling(t *testing.T, set func(*strategies.RollingConfig)) strategies.Strategy {
	return build(t, "rolling", func(c any) {
		rc := c.(*strategies.RollingConfig)
		rc.Variant = "cloudformation"
		rc.Rollback.Human.Disabled = true
		set(rc)
	})
}

// bootTimes sets fixed boot times, so that signal timeouts are exact.
func bootTimes(cfg *models.Config, v1, v2 time.Duration) {
	for i := range cfg.Versions {
		switch cfg.Versions[i].Name {
		case "v1":
			cfg.Versions[i].BootTime = models.Dist{Mean: v1}
		case "v2":
			cfg.Versions[i].BootTime = models.Dist{Mean: v2}
		}
	}
}

// inServiceDuring returns the fewest instances of all versions whose
// application served, over the timeline points between from and to.
func inServiceDuring(r models.Result, from, to time.Duration) int {
	low := math.MaxInt
	for _, p := range r.Timeline.Points {
		if p.At < from || p.At > to {
			continue
		}
		n := 0
		for _, v := range p.PerVersion {
			n += v.InService
		}
		low = min(low, n)
	}
	return low
}

// TestCloudFormationRollingKeepsMinInstancesInService: 10 instances,
// MinInstancesInService 9, MaxBatchSize 2, MaxSize 12, with signals: the
// group is raised to 11 for the update, five batches of two replace the
// fleet, and at no time are fewer than 9 instances serving.
func TestCloudFormationRollingKeepsMinInstancesInService(t *testing.T) {
	cfg := smallConfig()
	s := cfnRolling(t, func(rc *strategies.RollingConfig) {
		rc.MaxBatchSize, rc.MinInstancesInService, rc.MaxSize = new(2), new(9), 12
		rc.WaitOnResourceSignals, rc.PauseTime = new(true), new(15*time.Minute)
	})
	r := deploy(t, cfg, 1, s, models.Deployment{})
	if r.Outcome != strategies.Succeeded {
		t.Fatalf("seed 1: want succeeded\n%s", describe(r))
	}
	if n := len(marksWith(r, "temporarily setting MinSize and DesiredCapacity to 11")); n != 1 {
		t.Errorf("seed 1: want the capacity raised to 11 once, got %d marks\n%s", n, describe(r))
	}
	if n := len(marksWith(r, "batch ")); n != 5 {
		t.Errorf("seed 1: %d batches, want 5", n)
	}
	if low := inServiceDuring(r, r.Timeline.DeployAt, r.Timeline.EndAt); low < 9 {
		t.Errorf("seed 1: %d instances serving at the lowest, want at least MinInstancesInService 9\n%s", low, describe(r))
	}
	if r.Metrics.PeakInstances > 11+2 { // the temporary capacity, plus a batch still draining
		t.Errorf("seed 1: peak %v instances, want at most 13", r.Metrics.PeakInstances)
	}
	last := r.Timeline.Points[len(r.Timeline.Points)-1]
	if last.PerVersion[0].InService != 0 || last.PerVersion[1].InService != 10 {
		t.Errorf("seed 1: end state v1 %d v2 %d, want 0 and 10", last.PerVersion[0].InService, last.PerVersion[1].InService)
	}
}

// TestCloudFormationRollingWithoutSignalsDoesNotWaitForTheApplication:
// the defaults (batch 1, minimum 0, PT0S, no signals) move on as soon as
// a batch's instances are launched: the applications still boot when the
// next batch is terminated, and capacity collapses; with signals it holds.
func TestCloudFormationRollingWithoutSignalsDoesNotWaitForTheApplication(t *testing.T) {
	cfg := smallConfig()
	cfg.LB.DeregistrationDelay = 30 * time.Second
	plain := deploy(t, cfg, 1, cfnRolling(t, func(rc *strategies.RollingConfig) { rc.MaxSize = 10 }), models.Deployment{})
	signals := deploy(t, cfg, 1, cfnRolling(t, func(rc *strategies.RollingConfig) {
		rc.MaxSize, rc.WaitOnResourceSignals, rc.PauseTime = 10, new(true), new(10*time.Minute)
	}), models.Deployment{})
	for _, r := range []models.Result{plain, signals} {
		if r.Outcome != strategies.Succeeded {
			t.Fatalf("seed 1: want succeeded\n%s", describe(r))
		}
	}
	if plain.Metrics.CapacityFloor > 0.5 {
		t.Errorf("seed 1: without signals the capacity floor is %.2f, want the fleet mostly booting at once (≤ 0.5)\n%s", plain.Metrics.CapacityFloor, describe(plain))
	}
	// cfn-signal comes when the application is up, before the load
	// balancer's first passing check: the next batch may start while the
	// last new instance is not yet healthy there — two down at most.
	if signals.Metrics.CapacityFloor < 0.8 {
		t.Errorf("seed 1: with signals the capacity floor is %.2f, want at most two of ten down at a time (≥ 0.8)", signals.Metrics.CapacityFloor)
	}
	// Ten batches each wait for a boot of 5 m ± 1 m with signals; without
	// them each takes the deregistration delay.
	if plain.Metrics.DeployDuration > 10*(30+60) {
		t.Errorf("seed 1: without signals the update took %.0f s, want about 10 × the 30 s deregistration delay", plain.Metrics.DeployDuration)
	}
	if signals.Metrics.DeployDuration < 10*4*60 {
		t.Errorf("seed 1: with signals the update took %.0f s, want 10 boots of about 5 m", signals.Metrics.DeployDuration)
	}
}

// TestCloudFormationPauseTimeBetweenBatches: without signals PauseTime is
// a pause after each batch's instances are launched.
func TestCloudFormationPauseTimeBetweenBatches(t *testing.T) {
	cfg := smallConfig()
	cfg.LB.DeregistrationDelay = 20 * time.Second
	r := deploy(t, cfg, 1, cfnRolling(t, func(rc *strategies.RollingConfig) {
		rc.MaxBatchSize, rc.MaxSize, rc.PauseTime = new(5), 10, new(7*time.Minute)
	}), models.Deployment{})
	if r.Outcome != strategies.Succeeded {
		t.Fatalf("seed 1: want succeeded\n%s", describe(r))
	}
	b := marksWith(r, "batch ")
	if len(b) != 2 {
		t.Fatalf("seed 1: %d batches, want 2\n%s", len(b), describe(r))
	}
	// Batch 2 starts after the first batch drained (at most 20 s: a
	// target with nothing in flight leaves sooner) and the pause.
	if d := b[1] - b[0]; d < 7*time.Minute || d > 7*time.Minute+20*time.Second+time.Minute {
		t.Errorf("seed 1: batches %v apart, want the 7 m pause plus draining", d)
	}
	if w := r.Metrics.DeployWaiting; w < 2*7*60 {
		t.Errorf("seed 1: %.0f s spent waiting, want the two pauses (840 s)", w)
	}
}

// TestCloudFormationSignalTimeoutRollsBack: the new version boots in 8 m
// but PauseTime is 5 m: the first batch's signal times out, the update
// fails and the stack rolls back — a rolling update back to v1, itself
// waiting for v1's signals. With v1 booting in 3 m the rollback
// completes; with v1 as slow as v2 it fails too.
func TestCloudFormationSignalTimeoutRollsBack(t *testing.T) {
	policy := func(rc *strategies.RollingConfig) {
		rc.MaxBatchSize, rc.MaxSize, rc.WaitOnResourceSignals = new(2), 10, new(true)
	}
	cfg := smallConfig()
	bootTimes(&cfg, 3*time.Minute, 8*time.Minute)
	r := deploy(t, cfg, 1, cfnRolling(t, policy), models.Deployment{})
	if r.Outcome != strategies.RolledBack || !strings.Contains(r.Reason, "SUCCESS signal") {
		t.Fatalf("seed 1: want rolled back on the signal timeout\n%s", describe(r))
	}
	start := marksWith(r, "batch 1/")
	rb := marksWith(r, "UPDATE_ROLLBACK_IN_PROGRESS")
	if len(start) == 0 || len(rb) != 1 {
		t.Fatalf("seed 1: marks missing\n%s", describe(r))
	}
	// The wait starts once the batch has drained (300 s), then PT5M.
	if d := rb[0] - start[0]; d < 5*time.Minute || d > 5*time.Minute+300*time.Second+time.Minute {
		t.Errorf("seed 1: rollback %v after the batch started, want the PT5M timeout after draining", d)
	}
	if len(marksWith(r, "UPDATE_ROLLBACK_COMPLETE")) != 1 {
		t.Errorf("seed 1: want UPDATE_ROLLBACK_COMPLETE\n%s", describe(r))
	}
	last := r.Timeline.Points[len(r.Timeline.Points)-1]
	if last.PerVersion[1].InService != 0 || last.PerVersion[0].InService != 10 {
		t.Errorf("seed 1: after the rollback v1 %d v2 %d, want 10 and 0", last.PerVersion[0].InService, last.PerVersion[1].InService)
	}

	slow := smallConfig()
	bootTimes(&slow, 8*time.Minute, 8*time.Minute)
	r = deploy(t, slow, 1, cfnRolling(t, policy), models.Deployment{})
	if r.Outcome != strategies.RollbackFailed || len(marksWith(r, "UPDATE_ROLLBACK_FAILED")) != 1 {
		t.Fatalf("seed 1: a rollback whose signals time out too must fail\n%s", describe(r))
	}
}

// TestCloudFormationMinSuccessfulInstancesPercent: with 50 % of the
// update's instances required, the few of ten that boot later than
// PauseTime (5 m, boots 5 m ± 1 m) do not fail the update; with 100 % one
// late signal does — and the rollback, waiting for v1's boots with the
// same PauseTime, may fail the same way.
func TestCloudFormationMinSuccessfulInstancesPercent(t *testing.T) {
	cfg := smallConfig()
	all := cfnRolling(t, func(rc *strategies.RollingConfig) {
		rc.MaxBatchSize, rc.MaxSize, rc.WaitOnResourceSignals = new(5), 10, new(true)
	})
	half := cfnRolling(t, func(rc *strategies.RollingConfig) {
		rc.MaxBatchSize, rc.MaxSize, rc.WaitOnResourceSignals = new(5), 10, new(true)
		rc.MinSuccessfulInstancesPercent = new(50.0)
	})
	ra := deploy(t, cfg, 3, all, models.Deployment{})
	rh := deploy(t, cfg, 3, half, models.Deployment{})
	if len(marksWith(ra, "failed to receive")) == 0 {
		t.Skipf("seed 3: every boot fitted in PT5M; the case needs a late one\n%s", describe(ra))
	}
	if ra.Outcome == strategies.Succeeded || !strings.Contains(ra.Reason, "MinSuccessfulInstancesPercent") {
		t.Errorf("seed 3: with 100 %% required a late signal must fail the update\n%s", describe(ra))
	}
	if rh.Outcome != strategies.Succeeded {
		t.Errorf("seed 3: with 50 %% required a few late signals must not\n%s", describe(rh))
	}
}

// TestCloudFormationReplacingUpdateCutsOverOnSignals: a replacing update
// with a CreationPolicy of 10 signals keeps the old group serving until
// the new group's instances have all signalled, then deletes it: no
// downtime, twice the fleet meanwhile. Without a CreationPolicy the old
// group goes while the new instances still boot.
func TestCloudFormationReplacingUpdateCutsOverOnSignals(t *testing.T) {
	cfg := smallConfig()
	cfg.LB.DeregistrationDelay = 30 * time.Second
	with := build(t, "immutable", func(c any) {
		ic := c.(*strategies.ImmutableConfig)
		ic.Variant = "cloudformation"
		ic.CreationPolicy = &strategies.CreationPolicy{Count: new(10), Timeout: new(15 * time.Minute)}
	})
	without := build(t, "immutable", func(c any) { c.(*strategies.ImmutableConfig).Variant = "cloudformation" })
	rw := deploy(t, cfg, 1, with, models.Deployment{})
	ro := deploy(t, cfg, 1, without, models.Deployment{})
	if rw.Outcome != strategies.Succeeded || ro.Outcome != strategies.Succeeded {
		t.Fatalf("seed 1: want both succeeded\n%s\n%s", describe(rw), describe(ro))
	}
	cut := marksWith(rw, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
	create := marksWith(rw, "create group")
	if len(cut) != 1 || len(create) != 1 || cut[0]-create[0] < 4*time.Minute {
		t.Errorf("seed 1: cleanup must follow the signals (boots of about 5 m)\n%s", describe(rw))
	}
	if rw.Metrics.Downtime != 0 || rw.Metrics.PeakInstances < 20 {
		t.Errorf("seed 1: with signals downtime %.0f s peak %v, want 0 and 20", rw.Metrics.Downtime, rw.Metrics.PeakInstances)
	}
	if ro.Metrics.Downtime < 60 {
		t.Errorf("seed 1: without a CreationPolicy downtime %.0f s, want the old group gone before the new one serves", ro.Metrics.Downtime)
	}
}

// TestCloudFormationReplacingUpdateTimeoutDeletesTheNewGroup: the new
// group's signals do not arrive within the Timeout; the rollback deletes
// the new group and the old one, which never stopped, serves on.
func TestCloudFormationReplacingUpdateTimeoutDeletesTheNewGroup(t *testing.T) {
	cfg := smallConfig()
	bootTimes(&cfg, 5*time.Minute, 12*time.Minute)
	s := build(t, "immutable", func(c any) {
		ic := c.(*strategies.ImmutableConfig)
		ic.CreationPolicy = &strategies.CreationPolicy{Count: new(10), Timeout: new(10 * time.Minute)}
	})
	r := deploy(t, cfg, 1, s, models.Deployment{})
	if r.Outcome != strategies.RolledBack || !strings.Contains(r.Reason, "CREATE_FAILED") {
		t.Fatalf("seed 1: want rolled back on the creation timeout\n%s", describe(r))
	}
	if r.Metrics.Downtime != 0 || r.Metrics.Exposure != 0 {
		t.Errorf("seed 1: downtime %.0f s exposure %.3f: the old group must serve throughout", r.Metrics.Downtime, r.Metrics.Exposure)
	}
	if len(marksWith(r, "UPDATE_ROLLBACK_IN_PROGRESS: delete the new group")) != 1 {
		t.Errorf("seed 1: want the new group deleted\n%s", describe(r))
	}
}
