package strategies

import (
	"fmt"
	"slices"
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
	Interval            time.Duration `yaml:"interval"`  // 1m
	Threshold           int           `yaml:"threshold"` // 1
	MaxWeight           float64       `yaml:"max_weight"`
	StepWeight          float64       `yaml:"step_weight"`
	StepWeights         []float64     `yaml:"step_weights"`
	StepWeightPromotion float64       `yaml:"step_weight_promotion"`
	Iterations          int           `yaml:"iterations"`
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
	ScaleDownDelaySeconds *int `yaml:"scale_down_delay_seconds"`
	// AbortScaleDownDelaySeconds (Argo, with a traffic router) keeps the
	// canary fleet this long after an abort has sent all traffic back to
	// stable: 30; 0 keeps it running until someone removes it.
	AbortScaleDownDelaySeconds *int `yaml:"abort_scale_down_delay_seconds"`
	// MaxSurge and MaxUnavailable (Argo, without a traffic router) bound
	// how the canary and stable fleets move toward each step's replica
	// counts: 25% (rounded up) and 25% (rounded down).
	MaxSurge       string   `yaml:"max_surge"`
	MaxUnavailable string   `yaml:"max_unavailable"`
	Rollback       Rollback `yaml:"rollback"`
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
	// ecs: the fleets are ECS task sets (CodeDeploy ECS configurations,
	// ECS canary and linear): a task whose container exits is replaced.
	ecs bool
	// Argo Rollouts: the rolling-update limits of a canary without a
	// router, and how long an aborted canary outlives the abort (nil:
	// forever).
	argo       bool
	limits     plan.K8sRollingUpdate
	abortDelay *time.Duration
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
		s.argo = true
		s.steps, err = argoSteps(c.Steps)
	case c.DeploymentConfig != "":
		var p plan.PredefinedTrafficConfig
		if p, err = plan.CodeDeployTrafficConfig(c.DeploymentConfig); err == nil {
			s.ecs = p.Platform == plan.PlatformECS
			err = s.fromSchedule(p.Routing.Schedule())
		}
	case c.CanaryPercentage != 0 || c.CanaryInterval != 0:
		err = s.fromSchedule(plan.TrafficRouting{Type: plan.TimeBasedCanary, CanaryPercent: c.CanaryPercentage, CanaryInterval: c.CanaryInterval}.Schedule())
	case c.CanaryPercent != 0 || c.CanaryBakeTime != 0:
		s.ecs = true
		e := plan.DefaultECSCanaryConfiguration()
		if c.CanaryPercent != 0 {
			e.CanaryPercent = c.CanaryPercent
		}
		if c.CanaryBakeTime != 0 {
			e.CanaryBakeTime = c.CanaryBakeTime
		}
		err = s.fromSchedule(e.Schedule())
	default:
		s.argo = true
		s.steps = []cstep{{weight: 10}, {weight: -1, pause: 5 * time.Minute}, {weight: 50}, {weight: -1, pause: 5 * time.Minute}}
	}
	if err != nil {
		return nil, err
	}
	if err := s.argoLimits(c); err != nil {
		return nil, err
	}
	return s.finishConfig(c.Rollback, "alb")
}

// argoLimits reads the Argo-only fields: maxSurge, maxUnavailable and
// abortScaleDownDelaySeconds.
func (s *shifter) argoLimits(c CanaryConfig) error {
	if !s.argo {
		if c.MaxSurge != "" || c.MaxUnavailable != "" || c.AbortScaleDownDelaySeconds != nil {
			return fmt.Errorf("max_surge, max_unavailable and abort_scale_down_delay_seconds are Argo Rollouts' (steps): CodeDeploy and ECS launch the full replacement fleet and remove it on rollback")
		}
		return nil
	}
	s.limits = plan.DefaultK8sRollingUpdate()
	for _, f := range []struct {
		in  string
		out *plan.IntOrPercent
	}{{c.MaxSurge, &s.limits.MaxSurge}, {c.MaxUnavailable, &s.limits.MaxUnavailable}} {
		if f.in == "" {
			continue
		}
		v, err := plan.ParseIntOrPercent(f.in)
		if err != nil {
			return err
		}
		*f.out = v
	}
	if err := s.limits.Validate(); err != nil {
		return err
	}
	d := 30 * time.Second
	s.abortDelay = &d
	if c.AbortScaleDownDelaySeconds != nil {
		switch n := *c.AbortScaleDownDelaySeconds; {
		case n < 0:
			return fmt.Errorf("abort_scale_down_delay_seconds %d: allowed 0 (keep the canary) or more", n)
		case n == 0:
			s.abortDelay = nil
		default:
			d = time.Duration(n) * time.Second
		}
	}
	return nil
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
	hasCanary      bool // the canary group exists (the live group's ID is 0)
	stableGone     bool
	weight         float64
	scale          *plan.ArgoSetCanaryScale
}

func (s *shifter) Run(env Env) Result {
	r := &shiftRun{runner: newRunner(env, s.rb, s.name), s: s}
	r.tasks = s.ecs
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
		if err != nil {
			return fail("%v", err)
		}
		r.hasCanary = true
		r.canaryTG = env.Target.TargetGroup
		r.w.watchGroup(r.canaryG)
		// Without a router the first canary instance takes traffic as soon
		// as it is healthy.
		if a := r.migrate(); a != nil {
			return a
		}
	default:
		r.canaryG, r.canaryTG, err = r.newFleet(s.name, env.Target.To, size)
		r.hasCanary = err == nil
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
			return failAs(Trigger{Kind: TriggerJudge}, "%s", reason)
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

// canaryCount is the canary fleet size for the current weight and scale
// with a traffic router (or the full replacement fleet).
func (r *shiftRun) canaryCount() (int, error) {
	if r.s.fullFleet {
		return r.n, nil
	}
	c, _, err := plan.ArgoTrafficRoutedCanaryReplicas(r.n, r.weight, r.scale, false)
	return c, err
}

// scaleCanary sizes the canary fleet for the current weight and scale:
// with a router it grows (and is waited for) or shrinks; without one the
// canary and stable fleets move together (walkReplicas).
func (r *shiftRun) scaleCanary() *abort {
	if r.s.routing == "replicas" {
		return r.walkReplicas()
	}
	c, err := r.canaryCount()
	if err != nil {
		return fail("%v", err)
	}
	if cur := r.desired(r.canaryG); c < cur {
		if err := r.shrink(r.canaryG, r.canaryTG, cur-c); err != nil {
			return fail("%v", err)
		}
		return nil
	}
	if err := r.setDesired(r.canaryG, c); err != nil {
		return fail("%v", err)
	}
	return r.waitReady(r.canaryG, r.canaryTG, r.env.Target.To, c)
}

// walkReplicas moves an Argo canary without a router to the current
// weight's replica counts the way Argo's controller does: each poll sets
// the counts CalculateReplicaCountsForBasicCanary gives for the fleets as
// they are, within maxSurge and maxUnavailable, until both fleets are at
// their targets and the canary is available. A lower weight (or an abort,
// weight 0) scales the stable fleet back up and the canary down.
func (r *shiftRun) walkReplicas() *abort {
	env := r.env
	lim, err := plan.ResolveK8sRollingUpdate(r.s.limits, r.n)
	if err != nil {
		return fail("%v", err)
	}
	wantC, wantS, err := plan.ArgoBasicCanaryReplicas(r.n, r.weight, lim.MaxSurgePods)
	if err != nil {
		return fail("%v", err)
	}
	stableG, tg := env.Target.Group, env.Target.TargetGroup
	var bad *abort
	last := [4]int{-1, -1, -1, -1}
	a := r.until(fmt.Sprintf("%d canary and %d stable instances", wantC, wantS), func() bool {
		canary := plan.ArgoReplicaSet{Spec: r.desired(r.canaryG)}
		stable := plan.ArgoReplicaSet{Spec: r.desired(stableG)}
		canary.Available, _ = r.ready(r.canaryG, tg, env.Target.To)
		stable.Available, _ = r.ready(stableG, tg, env.Target.From)
		stableLive, _ := r.live(stableG)
		if now := [4]int{canary.Spec, canary.Available, stable.Spec, stable.Available}; now != last {
			last = now
			r.w.progress()
		}
		if canary.Spec == wantC && stable.Spec == wantS && canary.Available >= wantC && len(stableLive) == wantS {
			return true
		}
		c, st, err := plan.ArgoBasicCanaryScale(r.n, r.weight, lim.MaxSurgePods, lim.MaxUnavailablePods, canary, stable, 0)
		if err != nil {
			bad = fail("%v", err)
			return true
		}
		for _, f := range []struct {
			g        GroupID
			from, to int
		}{{stableG, stable.Spec, st}, {r.canaryG, canary.Spec, c}} {
			switch {
			case f.to > f.from:
				err = r.setDesired(f.g, f.to)
			case f.to < f.from:
				err = r.shrink(f.g, tg, f.from-f.to)
			}
			if err != nil {
				bad = fail("scale %v: %v", f.g, err)
				return true
			}
		}
		return false
	})
	if a != nil {
		return a
	}
	return bad
}

// desired is a group's desired capacity (0 when it is gone).
func (r *shiftRun) desired(g GroupID) int {
	grp, err := r.env.ASG.DescribeGroup(g)
	if err != nil {
		return 0
	}
	return grp.Desired
}

// shrink removes k instances of g as a ReplicaSet scales down: those not
// ready in tg first, then the newest.
func (r *runner) shrink(g GroupID, tg TargetGroupID, k int) error {
	ins, err := r.live(g)
	if err != nil {
		return err
	}
	h := r.healthyTargets(tg)
	slices.SortStableFunc(ins, func(a, b Instance) int {
		ra := a.State == InService && a.Serving && h[a.ID]
		rb := b.State == InService && b.Serving && h[b.ID]
		if ra != rb {
			if ra {
				return 1
			}
			return -1
		}
		return int(b.ID) - int(a.ID)
	})
	if k < len(ins) {
		ins = ins[:k]
	}
	return r.terminate(ids(ins, "")...)
}

// setWeight moves the split to w percent. A canary that grows is scaled
// and ready before traffic moves; one that shrinks loses its instances
// after.
func (r *shiftRun) setWeight(w float64) *abort {
	env := r.env
	r.weight = w
	r.phasef("set weight %g%%", w)
	shrinking := false
	if r.s.routing != "replicas" {
		c, err := r.canaryCount()
		if err != nil {
			return fail("%v", err)
		}
		shrinking = c < r.desired(r.canaryG)
	}
	if !shrinking {
		if a := r.scaleCanary(); a != nil {
			return a
		}
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
	if shrinking {
		return r.scaleCanary()
	}
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
// and removes the canary. Without a router the abort is Argo's walk back
// to weight 0: the stable scales up as the canary scales down. With one,
// traffic returns to stable at once and an Argo canary stays up for
// abortScaleDownDelaySeconds.
func (r *shiftRun) undo() error {
	env := r.env
	if !r.hasCanary {
		return nil // nothing was launched, nothing moved
	}
	if r.s.routing == "replicas" {
		r.weight = 0
		r.phasef("abort: scale stable back to %d × %s", r.n, env.Target.From)
		if a := r.walkReplicas(); a != nil {
			return a
		}
		return r.deleteFleet(r.canaryG)
	}
	if r.stableGone {
		r.phasef("scale stable to %d × %s", r.n, env.Target.From)
		if err := r.setDesired(env.Target.Group, r.n); err != nil {
			return err
		}
		if a := r.waitReady(env.Target.Group, env.Target.TargetGroup, env.Target.From, r.n); a != nil {
			return a
		}
	}
	var wait time.Duration
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
			// Clients keep the canary's answer until their cache expires.
			wait = env.DNS.TTL() + r.cfg.PollInterval
		}
	}
	if r.s.argo {
		if r.s.abortDelay == nil {
			env.Log.Note("abort: canary kept running (abort_scale_down_delay_seconds 0)")
			return nil
		}
		wait = max(wait, *r.s.abortDelay)
	}
	if wait > 0 {
		r.phasef("scale canary down in %v", wait)
		env.Clock.Sleep(wait)
	}
	if err := r.deleteFleet(r.canaryG); err != nil {
		return err
	}
	if r.hasLB {
		return env.LBs.DeleteLoadBalancer(r.canaryLB)
	}
	return nil
}
