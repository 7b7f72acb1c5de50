package strategies_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/strategies"
)

// crashLoop makes v2 crash after about 40 s of uptime, every time.
func crashLoop(cfg *models.Config) {
	cfg.Versions[1].CrashAfter = models.Dist{Mean: 40 * time.Second, StdDev: 10 * time.Second}
}

func ecsRolling(cb strategies.CircuitBreaker) func(any) {
	return func(c any) {
		rc := c.(*strategies.RollingConfig)
		rc.Variant = "ecs"
		rc.Rollback = strategies.Rollback{Human: strategies.Human{Disabled: true}, CircuitBreaker: cb}
	}
}

// TestECSReplacesAnExitedTask: in an ECS service a task whose container
// exits is stopped and a new task (a new instance, booted anew, placed
// again) takes its place; a Kubernetes pod's container restarts in place.
func TestECSReplacesAnExitedTask(t *testing.T) {
	for _, variant := range []string{"ecs", "k8s"} {
		t.Run(variant, func(t *testing.T) {
			cfg := smallConfig()
			crashLoop(&cfg)
			s := build(t, "rolling", func(c any) {
				rc := c.(*strategies.RollingConfig)
				rc.Variant = variant
				rc.Rollback = strategies.Rollback{Human: strategies.Human{Disabled: true}, ProgressDeadline: 10 * time.Minute}
			})
			r := deploy(t, cfg, 1, s, models.Deployment{})
			stops := 0
			for _, m := range r.Marks {
				if strings.Contains(m.Text, "stopped (essential container exited)") {
					stops++
					// A new task is launched at once: pending v2 in the
					// next bucket (before any rollback shrinks the service).
					if p := pointAt(r, m.At+time.Second); variant == "ecs" && stops == 1 && p.PerVersion[1].Pending == 0 {
						t.Errorf("seed 1: no new v2 task pending 1s after %q", m.Text)
					}
				}
			}
			switch {
			case variant == "ecs" && stops == 0:
				t.Errorf("seed 1: no task was stopped in a crash-looping ECS service\n%s", describe(r))
			case variant == "k8s" && stops > 0:
				t.Errorf("seed 1: %d pods stopped; Kubernetes restarts the container in place", stops)
			}
		})
	}
}

// TestECSCircuitBreakerThresholdRows: a revision whose tasks never pass
// their health checks trips the breaker at ECS's threshold, 0.5 × desired
// rounded up and clamped to 3..200 (the rows of the ECS documentation's
// table and the API reference's minimum).
func TestECSCircuitBreakerThresholdRows(t *testing.T) {
	if testing.Short() {
		t.Skip("400 instances")
	}
	for _, tc := range []struct{ desired, threshold int }{
		{1, 3}, {6, 3}, {10, 5}, {25, 13}, {400, 200},
	} {
		t.Run(fmt.Sprintf("desired %d", tc.desired), func(t *testing.T) {
			cfg := smallConfig()
			cfg.Instances = tc.desired
			cfg.ASG.HealthCheckGracePeriod = 30 * time.Second // the service's healthCheckGracePeriodSeconds
			cfg.Versions[1].HealthCheckFailRate = 1
			s := build(t, "rolling", ecsRolling(strategies.CircuitBreaker{Enable: true, Rollback: true}))
			r := deploy(t, cfg, 1, s, models.Deployment{})
			want := fmt.Sprintf("(threshold %d)", tc.threshold)
			if r.Outcome != strategies.RolledBack || !strings.Contains(r.Reason, "circuit breaker") || !strings.Contains(r.Reason, want) {
				t.Fatalf("seed 1: want rolled back by the circuit breaker %s\n%s", want, describe(r))
			}
		})
	}
}

// TestECSCrashLoopTripsTheBreaker: a crash-looping revision trips the
// breaker (both counting models), so the results with the breaker on and
// off differ: without it an ECS deployment, which has no progress
// deadline, keeps replacing tasks until the run's time limit.
func TestECSCrashLoopTripsTheBreaker(t *testing.T) {
	for _, reset := range []bool{true, false} {
		t.Run(fmt.Sprintf("reset_on_healthy_task %v", reset), func(t *testing.T) {
			for seed := uint64(1); seed <= 3; seed++ {
				cfg := smallConfig()
				cfg.Instances = 8
				crashLoop(&cfg)
				on := deploy(t, cfg, seed, build(t, "rolling", ecsRolling(strategies.CircuitBreaker{Enable: true, Rollback: true, ResetOnHealthyTask: new(reset)})), models.Deployment{})
				off := deploy(t, cfg, seed, build(t, "rolling", ecsRolling(strategies.CircuitBreaker{})), models.Deployment{Limit: time.Hour})
				if on.Outcome != strategies.RolledBack || !strings.Contains(on.Reason, "circuit breaker") {
					t.Errorf("seed %d: breaker on: want rolled back by the circuit breaker\n%s", seed, describe(on))
				}
				if off.Outcome != strategies.Failed || !strings.Contains(off.Reason, "did not finish") {
					t.Errorf("seed %d: breaker off: want a deployment still retrying at the time limit\n%s", seed, describe(off))
				}
			}
		})
	}
}
