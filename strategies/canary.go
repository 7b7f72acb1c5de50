package strategies

import (
	"fmt"
	"time"

	"github.com/deploysim/deploysim/strategies/plan"
)

// CanaryStep is one Argo Rollouts canary step; set exactly one field.
type CanaryStep struct {
	SetWeight *float64 `yaml:"set_weight"`
	// Pause waits Duration; a zero duration pauses until a manual
	// promotion (an approval).
	Pause *Pause `yaml:"pause"`
	// Analysis runs metrics inline to completion (count defaults to 1).
	Analysis []AnalysisMetric `yaml:"analysis"`
	// Judge runs a Kayenta judgement over its interval.
	Judge          *JudgeConfig `yaml:"judge"`
	SetCanaryScale *CanaryScale `yaml:"set_canary_scale"`
}

// Pause is an Argo pause step.
type Pause struct {
	Duration time.Duration `yaml:"duration"`
}

// CanaryScale is Argo's setCanaryScale.
type CanaryScale struct {
	Replicas           *int     `yaml:"replicas"`
	Weight             *float64 `yaml:"weight"`
	MatchTrafficWeight bool     `yaml:"match_traffic_weight"`
}

// FlaggerConfig is a Flagger Canary's analysis block.
type FlaggerConfig struct {
	Interval            time.Duration   `yaml:"interval"`  // 1m
	Threshold           int             `yaml:"threshold"` // 1
	MaxWeight           float64         `yaml:"max_weight"`
	StepWeight          float64         `yaml:"step_weight"`
	StepWeights         []float64       `yaml:"step_weights"`
	StepWeightPromotion float64         `yaml:"step_weight_promotion"`
	Iterations          int             `yaml:"iterations"`
	// MatchPercent is the share of requests that analysis.match (HTTP
	// headers or cookies) selects; with iterations it makes the run
	// Flagger's A/B testing: the matching requests go to the canary.
	// Without it, iterations is Flagger's blue/green.
	MatchPercent float64         `yaml:"match_percent"`
	Metrics      []FlaggerMetric `yaml:"metrics"`
}

// FlaggerMetric is a Flagger built-in metric check: request-success-rate
// (percent, min) or request-duration (p99 milliseconds, max).
type FlaggerMetric struct {
	Name     string        `yaml:"name"`
	Min      *float64      `yaml:"min"`
	Max      *float64      `yaml:"max"`
	Interval time.Duration `yaml:"interval"` // 1m
}

// CanaryConfig configures canary. Set one of: steps (Argo), flagger,
// deployment_config (CodeDeploy predefined, e.g.
// CodeDeployDefault.ECSCanary10Percent5Minutes), canary_percentage with
// canary_interval (CodeDeploy TimeBasedCanary) or canary_percent with
// canary_bake_time (ECS canary). Default: Argo steps set_weight 10, pause
// 5m, set_weight 50, pause 5m.
type CanaryConfig struct {
	// TrafficRouting is alb (default: listener weights between target
	// groups), dns (Route 53 weights to a canary load balancer) or
	// replicas (Argo without a router: the split is the replica ratio).
	TrafficRouting   string         `yaml:"traffic_routing"`
	Steps            []CanaryStep   `yaml:"steps"`
	Flagger          *FlaggerConfig `yaml:"flagger"`
	DeploymentConfig string         `yaml:"deployment_config"`
	CanaryPercentage float64        `yaml:"canary_percentage"`
	CanaryInterval   time.Duration  `yaml:"canary_interval"`
	CanaryPercent    float64        `yaml:"canary_percent"`
	CanaryBakeTime   time.Duration  `yaml:"canary_bake_time"`
	// ScaleDownDelaySeconds keeps the old fleet after full promotion (Argo,
	// 30).
	ScaleDownDelaySeconds *int     `yaml:"scale_down_delay_seconds"`
	Rollback              Rollback `yaml:"rollback"`
}

// cstep is a normalised canary step.
type cstep struct {
	weight   float64 // -1: no change
	pause    time.Duration
	approval bool
	analysis []AnalysisMetric
	judge    *JudgeConfig
	scale    *plan.ArgoSetCanaryScale
}

// shifter is the shared executor of canary, linear and ab-test: a canary
// fleet, weighted steps, checks between them, full promotion, and a
// rollback that reroutes to the stable fleet.
type shifter struct {
	name      string
	routing   string
	steps     []cstep
	fullFleet bool // CodeDeploy/ECS: the replacement fleet is full size from the start
	scaleDown time.Duration
	rb        Rollback
}

func newCanary(c CanaryConfig) (Strategy, error) {
	s := &shifter{name: "canary", routing: c.TrafficRouting, scaleDown: 30 * time.Second}
	if c.ScaleDownDelaySeconds != nil {
		s.scaleDown = time.Duration(*c.ScaleDownDelaySeconds) * time.Second
	}
	sources := 0
	for _, set := range []bool{len(c.Steps) > 0, c.Flagger != nil, c.DeploymentConfig != "", c.CanaryPercentage != 0 || c.CanaryInterval != 0, c.CanaryPercent != 0 || c.CanaryBakeTime != 0} {
		if set {
			sources++
		}
	}
	if sources > 1 {
		return nil, fmt.Errorf("set only one of steps, flagger, deployment_config, canary_percentage/canary_interval, canary_percent/canary_bake_time")
	}
	if c.Flagger != nil {
		if c.ScaleDownDelaySeconds != nil {
			return nil, fmt.Errorf("scale_down_delay_seconds is Argo's: Flagger scales the canary to zero once the primary serves")
		}
		return newFlagger(*c.Flagger, c.TrafficRouting, c.Rollback)
	}
	var err error
	switch {
	case len(c.Steps) > 0:
		s.steps, err = argoSteps(c.Steps)
	case c.DeploymentConfig != "":
		var p plan.PredefinedTrafficConfig
		if p, err = plan.CodeDeployTrafficConfig(c.DeploymentConfig); err == nil {
			err = s.fromSchedule(p.Routing.Schedule())
		}
	case c.CanaryPercentage != 0 || c.CanaryInterval != 0:
		err = s.fromSchedule(plan.TrafficRouting{Type: plan.TimeBasedCanary, CanaryPercent: c.CanaryPercentage, CanaryInterval: c.CanaryInterval}.Schedule())
	case c.CanaryPercent != 0 || c.CanaryBakeTime != 0:
		e := plan.DefaultECSCanaryConfiguration()
		if c.CanaryPercent != 0 {
			e.CanaryPercent = c.CanaryPercent
		}
		if c.CanaryBakeTime != 0 {
			e.CanaryBakeTime = c.CanaryBakeTime
		}
		err = s.fromSchedule(e.Schedule())
	default:
		s.steps = []cstep{{weight: 10}, {weight: -1, pause: 5 * time.Minute}, {weight: 50}, {weight: -1, pause: 5 * time.Minute}}
	}
	if err != nil {
		return nil, err
	}
	return s.finishConfig(c.Rollback, "alb")
}

func (s *shifter) finishConfig(rb Rollback, defRouting string) (Strategy, error) {
	switch s.routing {
	case "":
		s.routing = defRouting
	case "alb", "dns", "replicas":
	default:
		return nil, fmt.Errorf("traffic_routing %q: allowed alb, dns, replicas", s.routing)
	}
	rb, err := rb.withDefaults()
	if err != nil {
		return nil, err
	}
	s.rb = rb
	return s, nil
}

// argoSteps validates and normalises Argo steps.
func argoSteps(in []CanaryStep) ([]cstep, error) {
	var out []cstep
	for i, st := range in {
		n := 0
		c := cstep{weight: -1}
		if st.SetWeight != nil {
			n++
			if w := *st.SetWeight; w < 0 || w > 100 || w != float64(int(w)) {
				return nil, fmt.Errorf("steps[%d].set_weight %v: allowed a whole percentage 0–100", i, w)
			}
			c.weight = *st.SetWeight
		}
		if st.Pause != nil {
			n++
			c.pause, c.approval = st.Pause.Duration, st.Pause.Duration == 0
		}
		if st.Analysis != nil {
			n++
			for k := range st.Analysis {
				if st.Analysis[k].Count == 0 {
					st.Analysis[k].Count = 1
				}
				if _, err := st.Analysis[k].evaluator(); err != nil {
					return nil, fmt.Errorf("steps[%d].analysis[%d]: %w", i, k, err)
				}
			}
			c.analysis = st.Analysis
		}
		if st.Judge != nil {
			n++
			j := *st.Judge
			if _, err := j.judge(); err != nil {
				return nil, fmt.Errorf("steps[%d].judge: %w", i, err)
			}
			c.judge = &j
		}
		if st.SetCanaryScale != nil {
			n++
			sc := st.SetCanaryScale
			c.scale = &plan.ArgoSetCanaryScale{Replicas: sc.Replicas, WeightPercent: sc.Weight, MatchTrafficWeight: sc.MatchTrafficWeight}
		}
		if n != 1 {
			return nil, fmt.Errorf("steps[%d]: set exactly one of set_weight, pause, analysis, judge, set_canary_scale", i)
		}
		out = append(out, c)
	}
	return out, nil
}

// fromSchedule turns a time schedule into weight-and-pause steps; the
// replacement fleet is full size from the start, as in CodeDeploy and
// ECS.
func (s *shifter) fromSchedule(sched []plan.Step, err error) error {
	if err != nil {
		return err
	}
	s.fullFleet = true
	s.scaleDown = 0
	for k, st := range sched {
		s.steps = append(s.steps, cstep{weight: st.NewPercent})
		if k+1 < len(sched) {
			s.steps = append(s.steps, cstep{weight: -1, pause: sched[k+1].At - st.At})
		}
	}
	return nil
}

func (s *shifter) Name() string { return s.name }

// shiftRun is one run of a shifter.
type shiftRun struct {
	*runner
	s              *shifter
	n              int
	canaryG        GroupID
	canaryTG       TargetGroupID
	canaryLB       LoadBalancerID
	hasLB, shifted bool
	stableGone     bool
	weight         float64
	scale          *plan.ArgoSetCanaryScale
}

func (s *shifter) Run(env Env) Result {
	r := &shiftRun{runner: newRunner(env, s.rb, s.name), s: s}
	n, err := r.fleetSize()
	if err != nil {
		return failed(err)
	}
	r.n = n
	a := r.deploy()
	return r.finish(a, r.undo)
}

func (r *shiftRun) deploy() *abort {
	env, s := r.env, r.s
	size := 0
	if s.fullFleet {
		size = r.n
	}
	var err error
	switch s.routing {
	case "replicas":
		r.canaryG, err = env.ASG.CreateGroup(GroupSpec{
			Name: s.name, Version: env.Target.To, Desired: 0, Min: 0, Max: 2 * r.n,
			TargetGroups: []TargetGroupID{env.Target.TargetGroup},
		})
		r.canaryTG = env.Target.TargetGroup
		r.w.watchGroup(r.canaryG)
		// Without a router the first canary instance takes traffic as soon
		// as it is healthy.
		if a := r.migrate(); a != nil {
			return a
		}
	default:
		r.canaryG, r.canaryTG, err = r.newFleet(s.name, env.Target.To, size)
		if err == nil && s.routing == "dns" {
			r.canaryLB, err = env.LBs.CreateLoadBalancer(s.name, r.canaryTG)
			r.hasLB = err == nil
		}
	}
	if err != nil {
		return fail("%v", err)
	}
	if size > 0 {
		env.Log.Phase("replacement fleet")
		if a := r.waitReady(r.canaryG, r.canaryTG, env.Target.To, size); a != nil {
			return a
		}
	}
	for k, st := range s.steps {
		if a := r.step(k, st); a != nil {
			return a
		}
	}
	if r.weight < 100 {
		if a := r.setWeight(100); a != nil {
			return a
		}
	}
	return r.promote()
}

func (r *shiftRun) step(k int, st cstep) *abort {
	switch {
	case st.weight >= 0:
		return r.setWeight(st.weight)
	case st.approval:
		return r.approve(fmt.Sprintf("step %d pause", k+1), 0, "")
	case st.pause > 0:
		r.phasef("pause %v at %g%%", st.pause, r.weight)
		return r.wait(st.pause)
	case st.analysis != nil:
		for _, m := range st.analysis {
			if a := r.analyse(fmt.Sprintf("step %d", k+1), m); a != nil {
				return a
			}
		}
	case st.judge != nil:
		j := *st.judge
		judge, _ := j.judge()
		r.phasef("judge over %v", j.Interval)
		if a := r.wait(j.Interval); a != nil {
			return a
		}
		if reason := judgeOnce(r.env, judge, j, true); reason != "" {
			return fail("%s", reason)
		}
	case st.scale != nil:
		r.scale = st.scale
		if st.scale.MatchTrafficWeight {
			r.scale = nil
		}
		return r.scaleCanary()
	}
	return nil
}

// canaryCount is the canary fleet size for the current weight and scale.
func (r *shiftRun) canaryCount() (canary, stable int, err error) {
	if r.s.fullFleet {
		return r.n, r.n, nil
	}
	if r.s.routing == "replicas" {
		surge := (r.n + 3) / 4 // maxSurge 25 %, rounded up
		return plan.ArgoBasicCanaryReplicas(r.n, r.weight, surge)
	}
	return plan.ArgoTrafficRoutedCanaryReplicas(r.n, r.weight, r.scale, false)
}

// scaleCanary sizes the canary (and, without a router, the stable) fleet
// and waits for the canary to be ready.
func (r *shiftRun) scaleCanary() *abort {
	c, st, err := r.canaryCount()
	if err != nil {
		return fail("%v", err)
	}
	if r.s.routing == "replicas" {
		return r.walkReplicas(c, st)
	}
	if err := r.setDesired(r.canaryG, max(c, r.currentDesired())); err != nil {
		return fail("%v", err)
	}
	return r.waitReady(r.canaryG, r.canaryTG, r.env.Target.To, c)
}

// walkReplicas moves the canary and stable fleets toward c and st within
// maxSurge (25 %, rounded up) without losing availability: the canary
// grows as far as the surge allows, the stable shrinks by what became
// ready, until both targets are reached.
func (r *shiftRun) walkReplicas(c, st int) *abort {
	surge := (r.n + 3) / 4
	for {
		stable, err := r.live(r.env.Target.Group)
		if err != nil {
			return fail("%v", err)
		}
		want := max(min(c, r.n+surge-len(stable)), min(c, r.currentDesired()))
		if err := r.setDesired(r.canaryG, want); err != nil {
			return fail("%v", err)
		}
		if a := r.waitReady(r.canaryG, r.canaryTG, r.env.Target.To, want); a != nil {
			return a
		}
		next := max(st, r.n-want)
		if next < len(stable) {
			if err := r.scaleStable(next); err != nil {
				return fail("%v", err)
			}
		}
		if want >= c && next <= st {
			return nil
		}
		if want == r.currentDesired() && next >= len(stable) && want < c {
			return fail("canary cannot grow to %d within maxSurge %d", c, surge)
		}
	}
}

func (r *shiftRun) currentDesired() int {
	g, err := r.env.ASG.DescribeGroup(r.canaryG)
	if err != nil {
		return 0
	}
	return g.Desired
}

// scaleStable sets the stable group's size, terminating the newest
// instances first is left to the group's termination policy.
func (r *shiftRun) scaleStable(n int) error {
	ins, err := r.live(r.env.Target.Group)
	if err != nil {
		return err
	}
	if len(ins) > n {
		return r.terminate(ids(ins[n:], "")...)
	}
	return r.setDesired(r.env.Target.Group, n)
}

// setWeight moves the split to w percent: the canary is scaled for it
// first, then traffic moves.
func (r *shiftRun) setWeight(w float64) *abort {
	env := r.env
	r.weight = w
	r.phasef("set weight %g%%", w)
	if a := r.scaleCanary(); a != nil {
		return a
	}
	if !r.shifted && w > 0 {
		if r.s.routing != "replicas" {
			if a := r.migrate(); a != nil {
				return a
			}
		}
		r.shifted = true
	}
	switch r.s.routing {
	case "alb":
		if err := r.route(env.Target.LoadBalancer, env.Target.TargetGroup, r.canaryTG, w); err != nil {
			return fail("%v", err)
		}
	case "dns":
		if err := r.dnsSplit(r.s.name, w); err != nil {
			return fail("%v", err)
		}
	}
	r.w.progress()
	return nil
}

// promote makes the new fleet the only one: all traffic is on it; the old
// fleet goes after the scale-down delay; triggers are watched for the bake
// time.
func (r *shiftRun) promote() *abort {
	env := r.env
	env.Log.Phase("promote")
	delay := r.s.scaleDown
	if r.s.routing == "dns" {
		// Resolvers keep answering with the old fleet for the TTL.
		delay = max(delay, env.DNS.TTL()+r.cfg.PollInterval)
	}
	if a := r.keepOld(delay); a != nil {
		return a
	}
	if r.s.routing != "replicas" {
		env.Log.Phase("scale down old fleet")
		if err := r.setDesired(env.Target.Group, 0); err != nil {
			return fail("%v", err)
		}
	}
	r.stableGone = true
	return r.bake()
}

// undo reroutes to the stable fleet (relaunching it first if it is gone)
// and removes the canary.
func (r *shiftRun) undo() error {
	env := r.env
	if r.stableGone || r.s.routing == "replicas" {
		r.phasef("scale stable to %d × %s", r.n, env.Target.From)
		if err := r.setDesired(env.Target.Group, r.n); err != nil {
			return err
		}
		if a := r.waitReady(env.Target.Group, env.Target.TargetGroup, env.Target.From, r.n); a != nil {
			return a
		}
	}
	switch r.s.routing {
	case "alb":
		if err := r.route(env.Target.LoadBalancer, env.Target.TargetGroup, r.canaryTG, 0); err != nil {
			return err
		}
	case "dns":
		if err := r.dnsSplit(r.s.name, 0); err != nil {
			return err
		}
		if r.shifted {
			r.phasef("wait DNS TTL %v before removing the canary", env.DNS.TTL())
			env.Clock.Sleep(env.DNS.TTL() + r.cfg.PollInterval)
		}
	}
	if err := r.deleteFleet(r.canaryG); err != nil {
		return err
	}
	if r.hasLB {
		return env.LBs.DeleteLoadBalancer(r.canaryLB)
	}
	return nil
}
