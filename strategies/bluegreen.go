package strategies

import (
	"fmt"
	"time"
)

// DeploymentReadyOption is CodeDeploy's deploymentReadyOption: what
// happens once the green fleet is ready.
type DeploymentReadyOption struct {
	// ActionOnTimeout is CONTINUE_DEPLOYMENT (default: switch at once) or
	// STOP_DEPLOYMENT (wait for a manual approval for up to WaitTime; the
	// deployment stops and rolls back without one).
	ActionOnTimeout string        `yaml:"action_on_timeout"`
	WaitTime        time.Duration `yaml:"wait_time"`
}

// BlueGreenConfig configures blue-green.
type BlueGreenConfig struct {
	// Variant is target-group-swap (default: ALB listener moves to the
	// green target group; CodeDeploy and Argo), dns-weighted (Route 53
	// weighted records flip to a green load balancer), cname-swap (EB
	// swap-environment-cnames) or asg-swap (green group attached to the
	// same target group, blue detached).
	Variant               string                `yaml:"variant"`
	DeploymentReadyOption DeploymentReadyOption `yaml:"deployment_ready_option"`
	// TerminationAction is CodeDeploy's terminateBlueInstancesOnDeploymentSuccess
	// action: TERMINATE (default) or KEEP_ALIVE.
	TerminationAction string `yaml:"termination_action"`
	// TerminationWaitTime is terminationWaitTimeInMinutes (≤ 2880m):
	// default 60m, the CodeDeploy console's. Argo's scaleDownDelaySeconds
	// (30) sets it too.
	TerminationWaitTime   *time.Duration `yaml:"termination_wait_time"`
	ScaleDownDelaySeconds *int           `yaml:"scale_down_delay_seconds"`
	// AutoPromotionEnabled false (Argo) waits for a manual promotion;
	// AutoPromotionSeconds promotes after that long.
	AutoPromotionEnabled *bool `yaml:"auto_promotion_enabled"`
	AutoPromotionSeconds int   `yaml:"auto_promotion_seconds"`
	// PreviewService marks that green is reachable for testing before
	// promotion (no user traffic reaches it in the simulation).
	PreviewService bool `yaml:"preview_service"`
	// Pre- and post-promotion analysis (Argo), run inline: every metric to
	// completion (count defaults to 1).
	PrePromotionAnalysis  []AnalysisMetric `yaml:"pre_promotion_analysis"`
	PostPromotionAnalysis []AnalysisMetric `yaml:"post_promotion_analysis"`
	Rollback              Rollback         `yaml:"rollback"`
}

type blueGreen struct{ cfg BlueGreenConfig }

func newBlueGreen(c BlueGreenConfig) (Strategy, error) {
	switch c.Variant {
	case "":
		c.Variant = "target-group-swap"
	case "target-group-swap", "dns-weighted", "cname-swap", "asg-swap":
	default:
		return nil, fmt.Errorf("variant %q: allowed target-group-swap, dns-weighted, cname-swap, asg-swap", c.Variant)
	}
	switch c.DeploymentReadyOption.ActionOnTimeout {
	case "":
		c.DeploymentReadyOption.ActionOnTimeout = "CONTINUE_DEPLOYMENT"
	case "CONTINUE_DEPLOYMENT", "STOP_DEPLOYMENT":
	default:
		return nil, fmt.Errorf("deployment_ready_option.action_on_timeout %q: allowed CONTINUE_DEPLOYMENT, STOP_DEPLOYMENT", c.DeploymentReadyOption.ActionOnTimeout)
	}
	switch c.TerminationAction {
	case "":
		c.TerminationAction = "TERMINATE"
	case "TERMINATE", "KEEP_ALIVE":
	default:
		return nil, fmt.Errorf("termination_action %q: allowed TERMINATE, KEEP_ALIVE", c.TerminationAction)
	}
	switch {
	case c.TerminationWaitTime != nil && c.ScaleDownDelaySeconds != nil:
		return nil, fmt.Errorf("set termination_wait_time or scale_down_delay_seconds, not both")
	case c.ScaleDownDelaySeconds != nil:
		c.TerminationWaitTime = new(time.Duration(*c.ScaleDownDelaySeconds) * time.Second)
	case c.TerminationWaitTime == nil:
		c.TerminationWaitTime = new(60 * time.Minute)
	}
	if w := *c.TerminationWaitTime; w < 0 || w > 2880*time.Minute {
		return nil, fmt.Errorf("termination_wait_time %v: allowed 0 to 2880m", w)
	}
	if c.AutoPromotionEnabled == nil {
		c.AutoPromotionEnabled = new(true)
	}
	for _, list := range [][]AnalysisMetric{c.PrePromotionAnalysis, c.PostPromotionAnalysis} {
		for i := range list {
			if list[i].Count == 0 {
				list[i].Count = 1
			}
			if _, err := list[i].evaluator(); err != nil {
				return nil, fmt.Errorf("analysis %d: %w", i, err)
			}
		}
	}
	if err := c.Rollback.applyDefaults(); err != nil {
		return nil, err
	}
	return &blueGreen{c}, nil
}

func (s *blueGreen) Name() string { return "blue-green" }

// bgRun is the state of one blue/green deployment.
type bgRun struct {
	*runner
	s         *blueGreen
	n         int
	green     GroupID
	greenTG   TargetGroupID
	greenLB   LoadBalancerID
	hasLB     bool
	switched  bool
	blueAlive bool
}

// Run: build green in full, gate, migrate, switch, keep blue for the
// termination wait (triggers watched), terminate blue. Rollback while blue
// lives is the switch back; after, the previous revision is redeployed
// onto the green fleet.
func (s *blueGreen) Run(env Env) Result {
	r := &bgRun{runner: newRunner(env, s.cfg.Rollback, s.Name()), s: s, blueAlive: true}
	for _, c := range env.Target.Contraindications {
		env.Log.Note("blue/green contraindicated: " + c)
	}
	n, err := r.fleetSize()
	if err != nil {
		return failed(err)
	}
	r.n = n
	a := r.deploy()
	return r.finish(a, r.undo)
}

func (r *bgRun) deploy() *abort {
	env, c := r.env, r.s.cfg
	if c.Variant == "asg-swap" {
		// Green joins the live target group as soon as it is healthy, so
		// the schema must be ready before it boots.
		if a := r.migrate(); a != nil {
			return a
		}
		env.Log.Phase("green group behind the same load balancer")
		g, err := env.ASG.CreateGroup(GroupSpec{
			Name: "green", Version: env.Target.To, Desired: r.n, Min: 0, Max: 2 * r.n,
			TargetGroups: []TargetGroupID{env.Target.TargetGroup},
		})
		if err != nil {
			return fail("%v", err)
		}
		r.green, r.greenTG = g, env.Target.TargetGroup
		r.w.watchGroup(g)
	} else {
		env.Log.Phase("green fleet")
		g, tg, err := r.newFleet("green", env.Target.To, r.n)
		if err != nil {
			return fail("%v", err)
		}
		r.green, r.greenTG = g, tg
		if c.Variant != "target-group-swap" {
			lb, err := env.LBs.CreateLoadBalancer("green", tg)
			if err != nil {
				return fail("%v", err)
			}
			r.greenLB, r.hasLB = lb, true
		}
	}
	if a := r.waitReady(r.green, r.greenTG, env.Target.To, r.n); a != nil {
		return a
	}
	if a := r.gate(); a != nil {
		return a
	}
	if c.Variant != "asg-swap" {
		if a := r.migrate(); a != nil {
			return a
		}
	}
	env.Log.Phase("switch to green")
	if err := r.switchTo(true); err != nil {
		return fail("%v", err)
	}
	r.switched = true
	for _, m := range c.PostPromotionAnalysis {
		if a := r.analyse("post-promotion", m); a != nil {
			return a
		}
	}
	wait, hold := *c.TerminationWaitTime, r.keepOld
	if c.TerminationAction == "KEEP_ALIVE" {
		// Blue is kept for good: the wait is the bake.
		wait, hold = *r.cfg.BakeTime, r.wait
	}
	if c.Variant == "dns-weighted" || c.Variant == "cname-swap" {
		if ttl := env.DNS.TTL(); wait < ttl {
			env.Log.Note(fmt.Sprintf("termination wait %v is shorter than the DNS TTL %v: cached clients will reach a terminated blue", wait, ttl))
		}
	}
	r.phasef("keep blue for %v", wait)
	if a := hold(wait); a != nil {
		return a
	}
	if c.TerminationAction == "TERMINATE" {
		env.Log.Phase("terminate blue")
		if err := r.deleteFleet(env.Target.Group); err != nil {
			return fail("%v", err)
		}
		r.blueAlive = false
		if r.hasLB && c.Variant == "dns-weighted" {
			_ = env.LBs.DeleteLoadBalancer(env.Target.LoadBalancer)
		}
	}
	if rest := *r.cfg.BakeTime - wait; rest > 0 {
		env.Log.Phase("bake")
		return r.wait(rest)
	}
	return nil
}

// gate holds green before the switch: CodeDeploy's deployment ready
// option, Argo's auto promotion, and pre-promotion analysis.
func (r *bgRun) gate() *abort {
	c := r.s.cfg
	for _, m := range c.PrePromotionAnalysis {
		if a := r.analyse("pre-promotion", m); a != nil {
			return a
		}
	}
	switch {
	case c.DeploymentReadyOption.ActionOnTimeout == "STOP_DEPLOYMENT":
		return r.approve("deployment ready", c.DeploymentReadyOption.WaitTime, "STOP_DEPLOYMENT")
	case c.DeploymentReadyOption.WaitTime > 0:
		return r.wait(c.DeploymentReadyOption.WaitTime)
	case !*c.AutoPromotionEnabled:
		return r.approve("promote", 0, "")
	case c.AutoPromotionSeconds > 0:
		return r.wait(time.Duration(c.AutoPromotionSeconds) * time.Second)
	}
	return nil
}

// switchTo moves all traffic to green (or back to blue).
func (r *bgRun) switchTo(green bool) error {
	env := r.env
	switch r.s.cfg.Variant {
	case "dns-weighted":
		pct := 0.0
		if green {
			pct = 100
		}
		return r.dnsSplit("green", pct)
	case "cname-swap":
		return env.DNS.SwapCNAMEs(env.Target.CNAME, "green")
	case "asg-swap":
		blue, err := r.live(env.Target.Group)
		if err != nil {
			return err
		}
		if green {
			return env.ELB.DeregisterTargets(env.Target.TargetGroup, ids(blue, "")...)
		}
		return env.ELB.RegisterTargets(env.Target.TargetGroup, ids(blue, "")...)
	default:
		tg := env.Target.TargetGroup
		if green {
			tg = r.greenTG
		}
		return env.ELB.SetListener(env.Target.LoadBalancer, []Forward{{TargetGroup: tg, Weight: 1}})
	}
}

// undo is the blue/green rollback.
func (r *bgRun) undo() error {
	env := r.env
	if r.switched && !r.blueAlive {
		// Blue is gone: a new deployment of the previous revision onto
		// the green fleet, half at a time.
		v := env.Target.From
		if err := env.ASG.UpdateGroup(r.green, GroupUpdate{Version: &v}); err != nil {
			return err
		}
		return r.redeployPrevious(r.green, (r.n+1)/2, true)
	}
	if r.switched {
		env.Log.Phase("switch back to blue")
		if err := r.switchTo(false); err != nil {
			return err
		}
		if r.s.cfg.Variant == "asg-swap" {
			if a := r.waitReady(env.Target.Group, env.Target.TargetGroup, env.Target.From, r.n); a != nil {
				return a
			}
		}
		if r.s.cfg.Variant == "dns-weighted" || r.s.cfg.Variant == "cname-swap" {
			// Clients keep the green answer until their cache expires.
			r.phasef("wait DNS TTL %v before removing green", env.DNS.TTL())
			env.Clock.Sleep(env.DNS.TTL() + r.cfg.PollInterval)
		}
	}
	if err := r.deleteFleet(r.green); err != nil {
		return err
	}
	if r.hasLB {
		return env.LBs.DeleteLoadBalancer(r.greenLB)
	}
	return nil
}
