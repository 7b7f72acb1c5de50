package strategies

import (
	"fmt"
	"time"

	"github.com/deploysim/deploysim/strategies/plan"
)

// ImmutableConfig configures immutable.
type ImmutableConfig struct {
	// Variant is eb (default: EB immutable update with a temporary Auto
	// Scaling group) or instance-refresh (EC2 Auto Scaling instance
	// refresh of the live group).
	Variant string `yaml:"variant"`
	// MinHealthyPercentage (90) and MaxHealthyPercentage (100) of an
	// instance refresh.
	MinHealthyPercentage *float64 `yaml:"min_healthy_percentage"`
	MaxHealthyPercentage *float64 `yaml:"max_healthy_percentage"`
	// CreationPolicy of the group, for variant cloudformation
	// (AutoScalingReplacingUpdate with WillReplace): the replacement group
	// is complete when its signals arrive; without one, as soon as its
	// instances are launched.
	CreationPolicy *CreationPolicy `yaml:"creation_policy"`
	Rollback       Rollback        `yaml:"rollback"`
}

// CreationPolicy is CloudFormation's CreationPolicy of an Auto Scaling
// group: ResourceSignal Count (1) and Timeout (5m, at most 12h), and
// AutoScalingCreationPolicy MinSuccessfulInstancesPercent (unset: Count
// decides).
type CreationPolicy struct {
	Count                         *int           `yaml:"count"`
	Timeout                       *time.Duration `yaml:"timeout"`
	MinSuccessfulInstancesPercent *float64       `yaml:"min_successful_instances_percent"`
}

func (c CreationPolicy) plan() (plan.CreationPolicy, error) {
	p := plan.DefaultCreationPolicy()
	if c.Count != nil {
		p.Count = *c.Count
	}
	if c.Timeout != nil {
		p.Timeout = *c.Timeout
	}
	if c.MinSuccessfulInstancesPercent != nil {
		if *c.MinSuccessfulInstancesPercent < 0 {
			return p, fmt.Errorf("creation_policy.min_successful_instances_percent %g: allowed 0 to 100", *c.MinSuccessfulInstancesPercent)
		}
		p.MinSuccessfulInstancesPercent = *c.MinSuccessfulInstancesPercent
	}
	return p, p.Validate()
}

type immutable struct {
	cfg  ImmutableConfig
	pref plan.InstanceRefreshPreferences
	// creation is the replacing update's CreationPolicy (nil: none).
	creation *plan.CreationPolicy
}

func newImmutable(c ImmutableConfig) (Strategy, error) {
	s := &immutable{pref: plan.DefaultInstanceRefreshPreferences()}
	refresh := c.MinHealthyPercentage != nil || c.MaxHealthyPercentage != nil
	switch c.Variant {
	case "":
		c.Variant = "eb"
		if refresh {
			c.Variant = "instance-refresh"
		}
		if c.CreationPolicy != nil {
			c.Variant = "cloudformation"
		}
	case "eb", "instance-refresh", "cloudformation":
	default:
		return nil, fmt.Errorf("variant %q: allowed eb, instance-refresh, cloudformation", c.Variant)
	}
	if refresh && c.Variant != "instance-refresh" {
		return nil, fmt.Errorf("min/max_healthy_percentage belong to variant instance-refresh")
	}
	if c.CreationPolicy != nil {
		if c.Variant != "cloudformation" {
			return nil, fmt.Errorf("creation_policy belongs to variant cloudformation")
		}
		p, err := c.CreationPolicy.plan()
		if err != nil {
			return nil, err
		}
		s.creation = &p
	}
	if c.MinHealthyPercentage != nil {
		s.pref.MinHealthyPercent = *c.MinHealthyPercentage
	}
	if c.MaxHealthyPercentage != nil {
		s.pref.MaxHealthyPercent = *c.MaxHealthyPercentage
	}
	if err := s.pref.Validate(); err != nil {
		return nil, err
	}
	if err := c.Rollback.applyDefaults(); err != nil {
		return nil, err
	}
	s.cfg = c
	return s, nil
}

func (s *immutable) Name() string { return "immutable" }

func (s *immutable) Run(env Env) Result {
	r := newRunner(env, s.cfg.Rollback, s.Name())
	n, err := r.fleetSize()
	if err != nil {
		return failed(err)
	}
	switch s.cfg.Variant {
	case "instance-refresh":
		return s.runRefresh(r, n)
	case "cloudformation":
		return s.replacingUpdate(r, n)
	}
	p, err := plan.EBImmutable(n)
	if err != nil {
		return failed(err)
	}
	old, tg := env.Target.Group, env.Target.TargetGroup
	var tmp GroupID
	cutOver := false
	a := r.migrate()
	if a == nil {
		env.Log.Phase("temporary group: first instance")
		tmp, err = env.ASG.CreateGroup(GroupSpec{
			Name: "immutable-" + string(env.Target.To), Version: env.Target.To,
			Desired: p.FirstInstances, Min: 0, Max: n, TargetGroups: []TargetGroupID{tg},
		})
		if err != nil {
			return r.finish(fail("%v", err), func() error { return nil })
		}
		r.w.watchGroup(tmp)
		a = r.waitReady(tmp, tg, env.Target.To, p.FirstInstances)
	}
	if a == nil {
		r.phasef("temporary group: %d more", p.RemainingInstances)
		if err := r.setDesired(tmp, n); err != nil {
			a = fail("%v", err)
		}
	}
	if a == nil {
		a = r.waitReady(tmp, tg, env.Target.To, n)
	}
	if a == nil {
		// EB moves the new instances into the original group; the contract
		// has no AttachInstances, so the temporary group stays as the live
		// one and the original is emptied.
		env.Log.Phase("cut over: terminate old instances")
		if err := r.setDesired(old, 0); err != nil {
			a = fail("%v", err)
		}
		cutOver = true
	}
	if a == nil {
		a = r.bake()
	}
	return r.finish(a, func() error {
		if cutOver {
			// The old instances are gone: launch the previous version again.
			r.phasef("relaunch %d × %s", n, env.Target.From)
			if err := r.setDesired(old, n); err != nil {
				return err
			}
			if a := r.waitReady(old, tg, env.Target.From, n); a != nil {
				return a
			}
		}
		if tmp != 0 {
			return r.deleteFleet(tmp)
		}
		return nil
	})
}

// runRefresh replaces the live group's instances ReplacePerStep at a
// time: launching first when MaxHealthyPercentage allows more than the
// desired capacity, terminating first otherwise. Rollback is the same
// refresh back to the previous launch template version, as instance
// refresh's auto rollback does.
func (s *immutable) runRefresh(r *runner, n int) Result {
	env := r.env
	l, err := plan.InstanceRefreshBatch(s.pref, n)
	if err != nil {
		return failed(err)
	}
	r.w.watchGroup(env.Target.Group)
	a := r.migrate()
	if a == nil {
		a = s.refresh(r, env.Target.To, n, l)
	}
	if a == nil {
		a = r.bake()
	}
	return r.finish(a, func() error {
		if a := s.refresh(r, env.Target.From, n, l); a != nil {
			return a
		}
		return nil
	})
}

func (s *immutable) refresh(r *runner, v Version, n int, l plan.InstanceRefreshLimits) *abort {
	env := r.env
	g, tg := env.Target.Group, env.Target.TargetGroup
	if err := env.ASG.UpdateGroup(g, GroupUpdate{Version: &v}); err != nil {
		return fail("%v", err)
	}
	surge := max(0, l.MaxInstances-n)
	for step := 1; ; step++ {
		ins, err := r.live(g)
		if err != nil {
			return fail("%v", err)
		}
		var stale []InstanceID
		for _, in := range ins {
			if in.Version != v {
				stale = append(stale, in.ID)
			}
		}
		if len(stale) == 0 {
			return nil
		}
		k := min(len(stale), l.ReplacePerStep)
		done, _ := r.ready(g, tg, v)
		r.phasef("refresh step %d: replace %d (%d/%d on %s)", step, k, done, n, v)
		if surge > 0 {
			k = min(k, surge)
			if err := r.setDesired(g, n+k); err != nil {
				return fail("%v", err)
			}
			if a := r.waitReady(g, tg, v, done+k); a != nil {
				return a
			}
			if err := r.terminate(stale[:k]...); err != nil {
				return fail("%v", err)
			}
		} else {
			for _, id := range stale[:k] {
				r.w.terminated(id)
				if err := env.ASG.TerminateInstance(id, false); err != nil {
					return fail("%v", err)
				}
			}
			if a := r.waitReady(g, tg, v, done+k); a != nil {
				return a
			}
		}
		// Instance warmup before the next step.
		if a := r.wait(10 * time.Second); a != nil {
			return a
		}
	}
}
