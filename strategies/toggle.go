package strategies

import (
	"fmt"
	"time"
)

// FeatureToggleConfig configures feature-toggle.
type FeatureToggleConfig struct {
	// Ship is the strategy that ships the code dark, with its defaults
	// (rolling by default).
	Ship string `yaml:"ship"`
	// Steps are the percentages of users the flag is enabled for, in
	// order: 1, 5, 25, 50, 100.
	Steps []float64 `yaml:"steps"`
	// StepInterval is the wait after each step: 5m.
	StepInterval time.Duration `yaml:"step_interval"`
	Rollback     Rollback      `yaml:"rollback"`
}

type featureToggle struct {
	cfg  FeatureToggleConfig
	ship Strategy
}

func newToggle(c FeatureToggleConfig) (Strategy, error) {
	if c.Ship == "" {
		c.Ship = "rolling"
	}
	if c.Ship == "feature-toggle" {
		return nil, fmt.Errorf("ship %q: a deploy strategy is needed", c.Ship)
	}
	sp, err := Lookup(c.Ship)
	if err != nil {
		return nil, fmt.Errorf("ship: %w", err)
	}
	ship, err := sp.New(nil)
	if err != nil {
		return nil, err
	}
	if len(c.Steps) == 0 {
		c.Steps = []float64{1, 5, 25, 50, 100}
	}
	prev := 0.0
	for i, p := range c.Steps {
		if p <= prev || p > 100 {
			return nil, fmt.Errorf("steps[%d] %v: allowed increasing percentages up to 100", i, p)
		}
		prev = p
	}
	if c.StepInterval <= 0 {
		c.StepInterval = 5 * time.Minute
	}
	if err := c.Rollback.applyDefaults(); err != nil {
		return nil, err
	}
	return &featureToggle{cfg: c, ship: ship}, nil
}

func (s *featureToggle) Name() string { return "feature-toggle" }

// Run ships the code with the flag off, then turns the flag on for growing
// cohorts of users. Rollback is the flag off: no redeploy, no migration
// revert (the code stays, dark).
func (s *featureToggle) Run(env Env) Result {
	flag := env.Target.Flag
	if flag == "" {
		return failed(fmt.Errorf("feature-toggle: the deployment has no feature flag (target.flag)"))
	}
	if err := env.Flags.SetFlag(flag, 0); err != nil {
		return failed(err)
	}
	env.Log.Phase("ship dark with " + s.ship.Name())
	if res := s.ship.Run(env); res.Outcome != Succeeded {
		return res
	}
	r := newRunner(env, s.cfg.Rollback, s.Name())
	var a *abort
	for _, p := range s.cfg.Steps {
		r.phasef("flag %s on for %g%% of users", flag, p)
		if err := env.Flags.SetFlag(flag, p); err != nil {
			a = fail("%v", err)
			break
		}
		if p < 100 {
			if a = r.wait(s.cfg.StepInterval); a != nil {
				break
			}
		}
	}
	if a == nil {
		a = r.bake()
	}
	return r.finish(a, func() error { return env.Flags.SetFlag(flag, 0) })
}
