package strategies_test

import (
	"math"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/strategies"
)

// variants are the configurations exercised on the world: every strategy
// with its defaults, and the main variants.
var variants = []struct {
	name, strategy string
	set            func(cfg any)
	// floor is the documented minimum healthy capacity share; ceiling the
	// documented maximum of live (pending or in service) instances.
	floor   float64
	ceiling int
}{
	{"all-at-once", "all-at-once", nil, 0, 10},
	{"all-at-once/recreate", "all-at-once", func(c any) { c.(*strategies.AllAtOnceConfig).Variant = "recreate" }, 0, 10},
	{"rolling/eb-30%", "rolling", nil, 0.7, 10},
	{"rolling/codedeploy-half", "rolling", func(c any) {
		c.(*strategies.RollingConfig).DeploymentConfig = "CodeDeployDefault.HalfAtATime"
	}, 0.5, 10},
	{"rolling/ecs-50-100", "rolling", func(c any) {
		c.(*strategies.RollingConfig).MinimumHealthyPercent = new(50.0)
		c.(*strategies.RollingConfig).MaximumPercent = new(100.0)
	}, 0.5, 10},
	{"rolling/k8s-25-25", "rolling", func(c any) { c.(*strategies.RollingConfig).Variant = "k8s" }, 0.8, 13},
	{"rolling-with-additional-batch", "rolling-with-additional-batch", nil, 1, 13},
	{"immutable", "immutable", nil, 1, 20},
	{"immutable/instance-refresh", "immutable", func(c any) { c.(*strategies.ImmutableConfig).Variant = "instance-refresh" }, 0.9, 10},
	{"traffic-splitting", "traffic-splitting", nil, 1, 20},
	{"blue-green", "blue-green", func(c any) { c.(*strategies.BlueGreenConfig).TerminationWaitTime = new(5 * time.Minute) }, 1, 20},
	{"blue-green/dns", "blue-green", func(c any) {
		c.(*strategies.BlueGreenConfig).Variant = "dns-weighted"
		c.(*strategies.BlueGreenConfig).TerminationWaitTime = new(5 * time.Minute)
	}, 1, 20},
	{"blue-green/cname", "blue-green", func(c any) {
		c.(*strategies.BlueGreenConfig).Variant = "cname-swap"
		c.(*strategies.BlueGreenConfig).TerminationWaitTime = new(5 * time.Minute)
	}, 1, 20},
	{"blue-green/asg", "blue-green", func(c any) {
		c.(*strategies.BlueGreenConfig).Variant = "asg-swap"
		c.(*strategies.BlueGreenConfig).TerminationWaitTime = new(5 * time.Minute)
	}, 1, 20},
	{"canary", "canary", nil, 1, 20},
	{"canary/replicas", "canary", func(c any) { c.(*strategies.CanaryConfig).TrafficRouting = "replicas" }, 0.8, 13},
	{"canary/codedeploy", "canary", func(c any) {
		c.(*strategies.CanaryConfig).DeploymentConfig = "CodeDeployDefault.ECSCanary10Percent5Minutes"
	}, 1, 20},
	{"canary/flagger", "canary", func(c any) {
		c.(*strategies.CanaryConfig).Flagger = &strategies.FlaggerConfig{StepWeight: 20, MaxWeight: 60}
	}, 1, 23}, // a full-size canary, then the primary's rolling update (25 % surge) on top
	{"linear", "linear", nil, 1, 20},
	{"ab-test", "ab-test", func(c any) { c.(*strategies.ABTestConfig).Duration = 10 * time.Minute }, 1, 20},
	{"feature-toggle", "feature-toggle", nil, 0.7, 10},
}

// liveInstances is the most pending or in-service instances at any time
// of the deployment (terminating ones drain and are not capacity).
func liveInstances(r models.Result) int {
	peak := 0
	for _, p := range r.Timeline.Points {
		if p.At < r.Timeline.DeployAt {
			continue
		}
		n := 0
		for _, v := range p.PerVersion {
			n += v.Pending + v.InService
		}
		peak = max(peak, n)
	}
	return peak
}

func TestHealthyReleaseSucceedsWithinCapacityBounds(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			s := build(t, v.strategy, v.set)
			r := deploy(t, smallConfig(), 1, s, modelsDeployment(v.strategy))
			if r.Outcome != strategies.Succeeded {
				t.Fatalf("seed 1: %s", describe(r))
			}
			if r.Metrics.CapacityFloor < v.floor-1e-9 {
				t.Errorf("seed 1: capacity floor %.2f below the documented %.2f\n%s", r.Metrics.CapacityFloor, v.floor, describe(r))
			}
			if n := liveInstances(r); n > v.ceiling {
				t.Errorf("seed 1: %d live instances above the documented ceiling %d\n%s", n, v.ceiling, describe(r))
			}
			// Every instance runs the new version at the end.
			last := r.Timeline.Points[len(r.Timeline.Points)-1]
			if old := last.PerVersion[0]; old.InService > 0 || old.Requests > 0 {
				t.Errorf("seed 1: v1 still in service at the end: %+v\n%s", old, describe(r))
			}
		})
	}
}

// triggerKinds: the kind each trigger of
// TestBadReleaseRolledBackByEachTrigger reports.
var triggerKinds = map[string]strategies.TriggerKind{
	"alarm": strategies.TriggerAlarm, "analysis": strategies.TriggerAnalysis, "step": strategies.TriggerAnalysis,
	"judge": strategies.TriggerJudge, "flagger": strategies.TriggerAnalysis, "human": strategies.TriggerHuman,
	"circuit breaker": strategies.TriggerBreaker, "approval rejected": strategies.TriggerApproval,
	"progress deadline": strategies.TriggerDeadline,
}

// triggerNames: which alarm, metric or gate fired, where the kind has
// several.
var triggerNames = map[string]string{
	"rolling/alarm": "v2-errors", "blue-green/alarm": "v2-errors", "canary/analysis": "success-rate",
	"canary/analysis-step": "error_rate", "blue-green/approval": "deployment ready",
}

// TestBadReleaseRolledBackByEachTrigger checks each trigger on the
// strategies where it is typical; the human backstop is disabled except
// where it is the trigger under test.
func TestBadReleaseRolledBackByEachTrigger(t *testing.T) {
	alarm := models.AlarmSpec{Name: "v2-errors", Metric: "error_rate", Version: "$to", Comparison: ">", Threshold: 0.05, Period: time.Minute}
	noHuman := strategies.Human{Disabled: true}
	argo := []strategies.AnalysisMetric{{Name: "success-rate", Metric: "success_rate", Interval: 30 * time.Second, SuccessCondition: "result[0] >= 0.95"}}
	cases := []struct {
		name, strategy, trigger string
		set                     func(cfg any)
		mut                     func(*models.Config)
	}{
		{"rolling/alarm", "rolling", "alarm", func(c any) {
			c.(*strategies.RollingConfig).Rollback = strategies.Rollback{Alarms: []string{"v2-errors"}, Human: noHuman}
		}, nil},
		{"blue-green/alarm", "blue-green", "alarm", func(c any) {
			c.(*strategies.BlueGreenConfig).Rollback = strategies.Rollback{Alarms: []string{"v2-errors"}, Human: noHuman}
		}, nil},
		{"canary/analysis", "canary", "analysis", func(c any) {
			c.(*strategies.CanaryConfig).Rollback = strategies.Rollback{Analysis: argo, Human: noHuman}
		}, nil},
		{"canary/analysis-step", "canary", "step", func(c any) {
			c.(*strategies.CanaryConfig).Steps = []strategies.CanaryStep{
				{SetWeight: new(20.0)},
				{Analysis: []strategies.AnalysisMetric{{Metric: "error_rate", Interval: time.Minute, Count: 2, FailureCondition: "result[0] > 0.05"}}},
			}
			c.(*strategies.CanaryConfig).Rollback = strategies.Rollback{Human: noHuman}
		}, nil},
		{"canary/judge", "canary", "judge", func(c any) {
			c.(*strategies.CanaryConfig).Steps = []strategies.CanaryStep{{SetWeight: new(20.0)}, {Judge: &strategies.JudgeConfig{Interval: 3 * time.Minute}}}
			c.(*strategies.CanaryConfig).Rollback = strategies.Rollback{Human: noHuman}
		}, nil},
		{"ab-test/judge", "ab-test", "judge", func(c any) {
			c.(*strategies.ABTestConfig).Duration = 5 * time.Minute
			c.(*strategies.ABTestConfig).Rollback = strategies.Rollback{Human: noHuman}
		}, nil},
		{"canary/flagger", "canary", "flagger", func(c any) {
			c.(*strategies.CanaryConfig).Flagger = &strategies.FlaggerConfig{StepWeight: 10, MaxWeight: 50, Threshold: 2}
			c.(*strategies.CanaryConfig).Rollback = strategies.Rollback{Human: noHuman}
		}, nil},
		{"all-at-once/human", "all-at-once", "human", nil, nil},
		{"immutable/human", "immutable", "human", nil, nil},
		{"linear/human", "linear", "human", nil, nil},
		{"traffic-splitting/human", "traffic-splitting", "human", nil, nil},
		{"feature-toggle/human", "feature-toggle", "human", nil, func(c *models.Config) {
			c.Versions[1].ErrorRate = 0
			c.Versions[1].Flag, c.Versions[1].FlagErrorRate = "newpath", 0.5
		}},
		{"rolling-ecs/circuit-breaker", "rolling", "circuit breaker", func(c any) {
			c.(*strategies.RollingConfig).Variant = "ecs"
			c.(*strategies.RollingConfig).Rollback = strategies.Rollback{Human: noHuman, CircuitBreaker: strategies.CircuitBreaker{Enable: true, Rollback: true}}
		}, func(c *models.Config) { c.Versions[1].ErrorRate, c.Versions[1].HealthCheckFailRate = 0, 1 }},
		{"blue-green/approval", "blue-green", "approval rejected", func(c any) {
			c.(*strategies.BlueGreenConfig).Variant = "asg-swap"
			c.(*strategies.BlueGreenConfig).DeploymentReadyOption = strategies.DeploymentReadyOption{ActionOnTimeout: "STOP_DEPLOYMENT", WaitTime: time.Hour}
			c.(*strategies.BlueGreenConfig).Rollback = strategies.Rollback{Human: noHuman, Approval: strategies.Approval{DelayMean: 3 * time.Minute, DelayStdDev: time.Second}}
		}, nil},
		{"k8s/progress-deadline", "rolling", "progress deadline", func(c any) {
			c.(*strategies.RollingConfig).Variant = "k8s"
			c.(*strategies.RollingConfig).Rollback = strategies.Rollback{Human: noHuman, ProgressDeadline: 5 * time.Minute}
		}, func(c *models.Config) { c.Versions[1].ErrorRate, c.Versions[1].HealthCheckFailRate = 0, 1 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := smallConfig()
			badVersion(&cfg)
			cfg.Alarms = []models.AlarmSpec{alarm}
			if c.mut != nil {
				c.mut(&cfg)
			}
			r := deploy(t, cfg, 1, build(t, c.strategy, c.set), modelsDeployment(c.strategy))
			if r.Outcome != strategies.RolledBack || !strings.Contains(r.Reason, c.trigger) {
				t.Fatalf("seed 1: want rolled_back by %q\n%s", c.trigger, describe(r))
			}
			// The kind travels through the contract, not through the words.
			if want := triggerKinds[c.trigger]; r.Trigger.Kind != want {
				t.Errorf("seed 1: trigger kind %q, want %q\n%s", r.Trigger.Kind, want, describe(r))
			}
			if want := triggerNames[c.name]; r.Trigger.Name != want {
				t.Errorf("seed 1: trigger name %q, want %q", r.Trigger.Name, want)
			}
			// The old version serves everything again.
			last := r.Timeline.Points[len(r.Timeline.Points)-1]
			if c.strategy == "feature-toggle" {
				// Flag off: the code stays, the failures stop.
				if last.Failed > 0 {
					t.Errorf("seed 1: still failing at the end\n%s", describe(r))
				}
				// Turning a flag off is instant: recovery is measured from it.
				if rb := r.Metrics.Rollback; math.IsNaN(rb) || rb > 10 {
					t.Errorf("seed 1: rollback_s %v, want the few seconds of a flag flip\n%s", rb, describe(r))
				}
			} else if last.PerVersion[1].Requests > 0 || last.PerVersion[0].Healthy < 10 {
				t.Errorf("seed 1: not restored at the end: %+v\n%s", last.PerVersion, describe(r))
			}
			if r.Timeline.RollbackAt < 0 {
				t.Errorf("seed 1: RollbackStarted was not called")
			}
		})
	}
}

func TestBlueTerminationWaitHonoured(t *testing.T) {
	for _, wait := range []time.Duration{2 * time.Minute, 20 * time.Minute} {
		s := build(t, "blue-green", func(c any) { c.(*strategies.BlueGreenConfig).TerminationWaitTime = new(wait) })
		r := deploy(t, smallConfig(), 1, s, models.Deployment{})
		var switched, deleted time.Duration = -1, -1
		for _, m := range r.Marks {
			if m.Text == "switch to green" {
				switched = m.At
			}
			if m.Text == "delete blue" {
				deleted = m.At
			}
		}
		if switched < 0 || deleted < 0 || deleted-switched < wait {
			t.Errorf("wait %v: switched at %v, blue deleted at %v\n%s", wait, switched, deleted, describe(r))
		}
		// Blue kept serving capacity until then: v1 instances in service.
		for _, p := range r.Timeline.Points {
			if p.At > switched && p.At < switched+wait-time.Second && p.PerVersion[0].InService < 10 {
				t.Fatalf("wait %v: blue had %d instances at %v", wait, p.PerVersion[0].InService, p.At)
			}
		}
	}
}

func TestIrreversibleMigrationMakesRollbackFail(t *testing.T) {
	for _, name := range []string{"rolling", "blue-green", "canary"} {
		t.Run(name, func(t *testing.T) {
			cfg := smallConfig()
			badVersion(&cfg)
			cfg.DB.Migrations = []models.MigrationSpec{
				{Name: "add_column", Kind: models.Expand, Duration: 10 * time.Second},
				{Name: "drop_column", Kind: models.Contract, Duration: 10 * time.Second, Irreversible: true},
			}
			r := deploy(t, cfg, 1, strategies.MustNew(name), models.Deployment{})
			if r.Outcome != strategies.RollbackFailed || !strings.Contains(r.Reason, "irreversible") {
				t.Fatalf("seed 1: want rollback_failed\n%s", describe(r))
			}
		})
	}
	// A reversible release rolls back with its migrations undone.
	cfg := smallConfig()
	badVersion(&cfg)
	cfg.DB.Migrations = []models.MigrationSpec{{Name: "add_column", Kind: models.Expand, Duration: 10 * time.Second}}
	r := deploy(t, cfg, 1, strategies.MustNew("canary"), models.Deployment{})
	if r.Outcome != strategies.RolledBack {
		t.Fatalf("seed 1: want rolled_back\n%s", describe(r))
	}
}

func TestNoSimOrModelsDependency(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/deploysim/deploysim/strategies").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "github.com/deploysim/deploysim/sim" || dep == "github.com/deploysim/deploysim/models" ||
			strings.HasPrefix(dep, "github.com/deploysim/deploysim/models/") {
			t.Errorf("strategies depends on %s", dep)
		}
	}
}
