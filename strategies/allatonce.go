package strategies

import (
	"fmt"

	"github.com/deploysim/deploysim/strategies/plan"
)

// AllAtOnceConfig configures all-at-once.
type AllAtOnceConfig struct {
	// Variant is "in-place" (default: EB AllAtOnce, CodeDeploy
	// CodeDeployDefault.AllAtOnce — every instance restarts under traffic)
	// or "recreate" (Kubernetes Recreate: every old instance is terminated,
	// then new ones launched).
	Variant string `yaml:"variant"`
	// DeploymentConfig may name CodeDeployDefault.AllAtOnce.
	DeploymentConfig string   `yaml:"deployment_config"`
	Rollback         Rollback `yaml:"rollback"`
}

type allAtOnce struct{ cfg AllAtOnceConfig }

func newAllAtOnce(c AllAtOnceConfig) (Strategy, error) {
	switch c.Variant {
	case "":
		c.Variant = "in-place"
	case "in-place", "recreate":
	default:
		return nil, fmt.Errorf("variant %q: allowed in-place, recreate", c.Variant)
	}
	if c.DeploymentConfig != "" {
		m, err := plan.CodeDeployServerConfig(c.DeploymentConfig)
		if err != nil {
			return nil, fmt.Errorf("deployment_config: %w", err)
		}
		if m != (plan.MinimumHealthyHosts{Type: plan.HostCount, Value: 0}) {
			return nil, fmt.Errorf("deployment_config %q: all-at-once takes CodeDeployDefault.AllAtOnce; use rolling", c.DeploymentConfig)
		}
	}
	if err := c.Rollback.applyDefaults(); err != nil {
		return nil, err
	}
	return &allAtOnce{c}, nil
}

func (s *allAtOnce) Name() string { return "all-at-once" }

// Run: run the migrations, deploy every instance at once, watch. Rollback
// is the same again with the previous revision — as slow as the deploy,
// with the same downtime. Elastic Beanstalk (the default) rolls nothing
// back by itself: a failed deployment stays until a trigger (a person, a
// configured alarm) redeploys; its deployment updates the version new
// instances get. With CodeDeploy's AllAtOnce new instances get the last
// successful revision and a follow-on deployment updates them.
func (s *allAtOnce) Run(env Env) Result {
	r := newRunner(env, s.cfg.Rollback, s.Name())
	n, err := r.fleetSize()
	if err != nil {
		return failed(err)
	}
	g := env.Target.Group
	r.w.watchGroup(g)
	if s.cfg.Variant == "recreate" {
		a := s.recreate(r, env.Target.To, n)
		return r.finish(a, func() error {
			if a := s.recreate(r, env.Target.From, n); a != nil {
				return a
			}
			return nil
		})
	}
	ins, err := r.live(g)
	if err != nil {
		return failed(err)
	}
	codeDeploy := s.cfg.DeploymentConfig != ""
	a := r.migrate()
	if a == nil && !codeDeploy {
		a = r.launchVersion(g, env.Target.To)
	}
	if a == nil {
		env.Log.Phase("deploy all")
		a = r.deployWindow(ids(ins, ""), env.Target.To, len(ins), false)
	}
	if a == nil && codeDeploy {
		a = r.launchVersion(g, env.Target.To)
	}
	if a == nil {
		a = r.followOn(g, env.Target.To, n, false)
	}
	if a == nil {
		a = r.bake()
	}
	undo := func() error { return r.redeployPrevious(g, n, false) }
	if codeDeploy {
		return r.finish(a, undo)
	}
	return r.finishManual(a, func() { _ = r.launchVersion(g, env.Target.From) }, undo)
}

// recreate terminates every instance and lets the group launch n of v.
func (s *allAtOnce) recreate(r *runner, v Version, n int) *abort {
	env := r.env
	g := env.Target.Group
	if v == env.Target.To {
		if a := r.migrate(); a != nil {
			return a
		}
	}
	r.phasef("recreate as %s", v)
	if err := env.ASG.UpdateGroup(g, GroupUpdate{Version: &v}); err != nil {
		return fail("%v", err)
	}
	ins, err := r.live(g)
	if err != nil {
		return fail("%v", err)
	}
	for _, in := range ins {
		r.w.terminated(in.ID)
		if err := env.ASG.TerminateInstance(in.ID, false); err != nil {
			return fail("%v", err)
		}
	}
	if a := r.waitReady(g, env.Target.TargetGroup, v, n); a != nil {
		return a
	}
	if v == env.Target.To {
		return r.bake()
	}
	return nil
}
