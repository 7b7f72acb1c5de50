package strategies

import (
	"fmt"
	"time"

	"github.com/deploysim/deploysim/strategies/plan"
)

// TrafficSplittingConfig configures traffic-splitting (EB namespace
// aws:elasticbeanstalk:trafficsplitting).
type TrafficSplittingConfig struct {
	// NewVersionPercent: 10.
	NewVersionPercent float64 `yaml:"new_version_percent"`
	// EvaluationTime: 5m (EB takes whole minutes, 3–600).
	EvaluationTime time.Duration `yaml:"evaluation_time"`
	Rollback       Rollback      `yaml:"rollback"`
}

type trafficSplitting struct {
	cfg TrafficSplittingConfig
	ts  plan.EBTrafficSplitting
}

func newTrafficSplitting(c TrafficSplittingConfig) (Strategy, error) {
	ts := plan.DefaultEBTrafficSplitting()
	if c.NewVersionPercent != 0 {
		ts.NewVersionPercent = c.NewVersionPercent
	}
	if c.EvaluationTime != 0 {
		ts.EvaluationTime = c.EvaluationTime
	}
	if err := ts.Validate(); err != nil {
		return nil, err
	}
	if err := c.Rollback.applyDefaults(); err != nil {
		return nil, err
	}
	return &trafficSplitting{cfg: c, ts: ts}, nil
}

func (s *trafficSplitting) Name() string { return "traffic-splitting" }

// Run: a new fleet behind its own target group (launched as for an
// immutable update), NewVersionPercent of the listener's traffic for
// EvaluationTime while EB watches the new instances' health, then all
// traffic, then the old instances go. Rollback while the old fleet lives
// is a listener change; after, the old fleet is launched again.
func (s *trafficSplitting) Run(env Env) Result {
	r := newRunner(env, s.cfg.Rollback, s.Name())
	n, err := r.fleetSize()
	if err != nil {
		return failed(err)
	}
	steps, err := s.ts.Schedule()
	if err != nil {
		return failed(err)
	}
	lb, oldTG, old := env.Target.LoadBalancer, env.Target.TargetGroup, env.Target.Group
	env.Log.Phase("new fleet: first instance")
	g, tg, err := r.newFleet("split-"+string(env.Target.To), env.Target.To, 1)
	if err != nil {
		return failed(err)
	}
	oldGone := false
	a := r.waitReady(g, tg, env.Target.To, 1)
	if a == nil {
		env.Log.Phase("new fleet: all instances")
		if err := r.setDesired(g, n); err != nil {
			a = fail("%v", err)
		}
	}
	if a == nil {
		a = r.waitReady(g, tg, env.Target.To, n)
	}
	if a == nil {
		a = r.migrate()
	}
	if a == nil {
		// EB rolls back when the new instances fail health checks during
		// the evaluation.
		r.guard(TriggerHealth, func() string {
			if k := env.Obs.HealthyHosts(tg); k < n {
				return fmt.Sprintf("new instances unhealthy during evaluation (%d/%d healthy)", k, n)
			}
			return ""
		})
		start := env.Clock.Now()
		for _, st := range steps {
			if a = r.wait(start + st.At - env.Clock.Now()); a != nil {
				break
			}
			r.phasef("shift %g%%", st.NewPercent)
			if err := r.route(lb, oldTG, tg, st.NewPercent); err != nil {
				a = fail("%v", err)
				break
			}
		}
		r.guards = nil
	}
	if a == nil {
		env.Log.Phase("terminate old instances")
		if err := r.setDesired(old, 0); err != nil {
			a = fail("%v", err)
		}
		oldGone = true
	}
	if a == nil {
		a = r.bake()
	}
	return r.finish(a, func() error {
		if oldGone {
			r.phasef("relaunch %d × %s", n, env.Target.From)
			if err := r.setDesired(old, n); err != nil {
				return err
			}
			if a := r.waitReady(old, oldTG, env.Target.From, n); a != nil {
				return a
			}
		}
		if err := r.route(lb, oldTG, tg, 0); err != nil {
			return err
		}
		return r.deleteFleet(g)
	})
}
