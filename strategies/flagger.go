package strategies

import (
	"fmt"
	"time"

	"github.com/deploysim/deploysim/strategies/analysis"
	"github.com/deploysim/deploysim/strategies/plan"
)

// A canary with a flagger block runs as Flagger's scheduler does
// (fluxcd/flagger pkg/controller/scheduler.go, advanceCanary): everything
// happens on the ticks of analysis.interval, one decision per tick.
//
//   - Tick 0, a new revision: the canary Deployment is scaled from zero to
//     the primary's replica count (ScaleFromZero) and the analysis starts.
//   - Every tick while progressing: if the canary (or the primary) is not
//     ready the tick does nothing, and a canary still not ready after the
//     progress deadline is rolled back; if the failed checks have reached
//     threshold the canary is rolled back; the first tick with traffic at
//     zero runs no analysis (pre-rollout hooks), every later one runs the
//     metric checks and, when they fail, counts a failed check and returns
//     without advancing — the weight stays where it is.
//   - Progressive traffic: each passing tick raises the canary weight by
//     stepWeight (or to the next stepWeights entry) until maxWeight, and
//     the passing tick after that promotes. Blue/green (iterations without
//     match): iterations ticks with no user traffic on the canary, then one
//     with all traffic on it, then promotion. A/B testing (iterations with
//     match): the matching requests go to the canary for iterations ticks,
//     then promotion.
//   - Promotion copies the canary spec to the primary, whose own rolling
//     update then runs (Kubernetes defaults, 25 % surge and unavailable);
//     the first tick after the primary is ready routes all traffic to it
//     (or, with stepWeightPromotion, moves it back step by step), and the
//     next scales the canary to zero.
//   - Rollback routes all traffic to the primary and scales the canary to
//     zero.

type flaggerMode uint8

const (
	flaggerProgressive flaggerMode = iota
	flaggerBlueGreen
	flaggerABTesting
)

func (m flaggerMode) String() string {
	return [...]string{"progressive traffic", "blue/green", "A/B testing"}[m]
}

// flagger is the Flagger form of canary.
type flagger struct {
	routing string
	a       plan.FlaggerAnalysis // defaults filled
	weights []float64            // progressive: the canary weights, in order
	mode    flaggerMode
	match   float64 // A/B: share of requests matching analysis.match
	checks  analysis.FlaggerAnalysis
	rb      Rollback
}

func newFlagger(f FlaggerConfig, routing string, rb Rollback) (Strategy, error) {
	a := plan.FlaggerAnalysis{
		Interval: f.Interval, Threshold: f.Threshold, MaxWeightPercent: f.MaxWeight,
		StepWeightPercent: f.StepWeight, StepWeightsPercent: f.StepWeights,
		StepWeightPromotionPercent: f.StepWeightPromotion, Iterations: f.Iterations,
	}
	p, err := plan.FlaggerSchedule(a)
	if err != nil {
		return nil, err
	}
	s := &flagger{routing: routing}
	switch {
	case f.MatchPercent < 0 || f.MatchPercent >= 100:
		return nil, fmt.Errorf("flagger.match_percent %v: allowed more than 0 and less than 100 (the share of requests analysis.match selects)", f.MatchPercent)
	case f.MatchPercent > 0 && f.Iterations == 0:
		return nil, fmt.Errorf("flagger.match_percent needs iterations: Flagger routes matching requests only in A/B testing")
	case f.MatchPercent > 0:
		s.mode, s.match = flaggerABTesting, f.MatchPercent
	case f.Iterations > 0:
		s.mode = flaggerBlueGreen
	}
	for _, st := range p.Steps {
		s.weights = append(s.weights, st.NewPercent)
	}
	s.a = a
	s.a.Interval = max(f.Interval, analysis.MinFlaggerInterval)
	if f.Interval == 0 {
		s.a.Interval = analysis.DefaultFlaggerInterval
	}
	s.a.Threshold = max(f.Threshold, analysis.DefaultFlaggerThreshold)
	s.checks = analysis.FlaggerAnalysis{Interval: s.a.Interval, Threshold: s.a.Threshold}
	if len(f.Metrics) == 0 {
		f.Metrics = []FlaggerMetric{
			{Name: analysis.RequestSuccessRate, Min: new(99.0)},
			{Name: analysis.RequestDuration, Max: new(500.0)},
		}
	}
	for _, m := range f.Metrics {
		if m.Name != analysis.RequestSuccessRate && m.Name != analysis.RequestDuration {
			return nil, fmt.Errorf("flagger metric %q: allowed %s, %s", m.Name, analysis.RequestSuccessRate, analysis.RequestDuration)
		}
		s.checks.Metrics = append(s.checks.Metrics, analysis.FlaggerMetric{
			Name: m.Name, Interval: m.Interval, ThresholdRange: analysis.ThresholdRange{Min: m.Min, Max: m.Max},
		})
	}
	if _, err := analysis.NewFlaggerChecker(s.checks); err != nil {
		return nil, err
	}
	switch s.routing {
	case "":
		s.routing = "alb"
	case "alb", "dns":
	default:
		return nil, fmt.Errorf("traffic_routing %q: allowed alb, dns (Flagger shifts traffic through a router)", s.routing)
	}
	if s.rb, err = rb.withDefaults(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *flagger) Name() string { return "canary" }

type flaggerPhase uint8

const (
	flaggerProgressing flaggerPhase = iota
	flaggerPromoting
	flaggerFinalising
	flaggerSucceeded
)

// flaggerRun is one run: the Canary's status.
type flaggerRun struct {
	*runner
	s *flagger
	n int

	canaryG   GroupID
	canaryTG  TargetGroupID
	canaryLB  LoadBalancerID
	hasCanary bool // the canary Deployment exists (scaled to zero: false)
	hasLB     bool
	scaledAt  time.Duration // when the canary was scaled from zero

	phase      flaggerPhase
	weight     float64 // status.canaryWeight
	step       int     // next entry of s.weights
	iterations int     // status.iterations
	checker    *analysis.FlaggerChecker
	waitNoted  bool

	// The primary's rolling update during promotion: newPrimary is the
	// new ReplicaSet (a group in the primary's target group).
	promoted   bool
	newPrimary GroupID
}

func (s *flagger) Run(env Env) Result {
	r := &flaggerRun{runner: newRunner(env, s.rb, s.Name()), s: s}
	n, err := r.fleetSize()
	if err != nil {
		return failed(err)
	}
	r.n = n
	r.checker, _ = analysis.NewFlaggerChecker(s.checks)
	a := r.deploy()
	return r.finish(a, r.undo)
}

func (r *flaggerRun) deploy() *abort {
	env, s := r.env, r.s
	r.phasef("flagger %s: new revision, scale canary from zero to %d", s.mode, r.n)
	var err error
	r.canaryG, r.canaryTG, err = r.newFleet("canary", env.Target.To, r.n)
	r.hasCanary = err == nil
	if err == nil && s.routing == "dns" {
		r.canaryLB, err = env.LBs.CreateLoadBalancer("canary", r.canaryTG)
		r.hasLB = err == nil
	}
	if err != nil {
		return fail("%v", err)
	}
	r.scaledAt = env.Clock.Now()
	next := r.scaledAt
	for r.phase != flaggerSucceeded {
		for next <= env.Clock.Now() {
			next += s.a.Interval
		}
		if a := r.wait(next - env.Clock.Now()); a != nil {
			return a
		}
		if a := r.tick(); a != nil {
			return a
		}
	}
	return r.bake()
}

// tick is one run of Flagger's scheduler.
func (r *flaggerRun) tick() *abort {
	switch r.phase {
	case flaggerPromoting:
		return r.shiftToPrimary()
	case flaggerFinalising:
		r.phasef("scale canary to zero")
		if err := r.deleteFleet(r.canaryG); err != nil {
			return fail("%v", err)
		}
		r.hasCanary = false
		if r.hasLB {
			if err := r.env.LBs.DeleteLoadBalancer(r.canaryLB); err != nil {
				return fail("%v", err)
			}
			r.hasLB = false
		}
		r.phase = flaggerSucceeded
		return nil
	}
	env, s := r.env, r.s
	to, from := env.Target.To, env.Target.From
	if !r.deploymentReady(env.Target.Group, env.Target.TargetGroup, from) {
		r.env.Log.Note("flagger: primary not ready: halt advancement")
		return nil
	}
	if !r.deploymentReady(r.canaryG, r.canaryTG, to) {
		if env.Clock.Now()-r.scaledAt > r.cfg.ProgressDeadline {
			return failAs(Trigger{Kind: TriggerDeadline}, "flagger: canary not ready within the progress deadline %v", r.cfg.ProgressDeadline)
		}
		if !r.waitNoted {
			r.waitNoted = true
			env.Log.Note("flagger: waiting for the canary rollout to finish")
		}
		return nil
	}
	if r.checker.RollbackDue() {
		return &abort{trigger: Trigger{Kind: TriggerAnalysis}, reason: fmt.Sprintf("flagger: failed checks threshold reached %d", r.checker.FailedChecks()), fired: true}
	}
	if r.weight == 0 && r.iterations == 0 {
		// Starting the analysis: Flagger runs the pre-rollout hooks, not
		// the metric checks. The release's migrations run here, before
		// any user reaches the canary.
		if a := r.migrate(); a != nil {
			return a
		}
	} else if !r.analysisPassed() {
		return nil // halt: no advancement this tick
	}
	switch s.mode {
	case flaggerABTesting:
		if r.iterations < s.a.Iterations {
			if r.iterations == 0 {
				r.phasef("route matching requests (%g%%) to the canary", s.match)
				if a := r.setRoute(s.match); a != nil {
					return a
				}
			}
			r.iterations++
			r.phasef("iteration %d/%d", r.iterations, s.a.Iterations)
			return nil
		}
		return r.promote()
	case flaggerBlueGreen:
		switch {
		case r.iterations < s.a.Iterations:
			r.iterations++
			r.phasef("iteration %d/%d", r.iterations, s.a.Iterations)
			return nil
		case r.iterations == s.a.Iterations:
			r.phasef("route all traffic to the canary")
			if a := r.setRoute(100); a != nil {
				return a
			}
			r.iterations++
			return nil
		}
		return r.promote()
	}
	if r.step < len(s.weights) {
		w := s.weights[r.step]
		r.step++
		r.phasef("advance canary weight %g%%", w)
		return r.setRoute(w)
	}
	return r.promote()
}

// deploymentReady is Flagger's isDeploymentReady on a group: every
// instance runs v (no old replica pending termination) and is ready.
func (r *flaggerRun) deploymentReady(g GroupID, tg TargetGroupID, v Version) bool {
	grp, err := r.env.ASG.DescribeGroup(g)
	if err != nil {
		return false
	}
	all, _ := r.live(g)
	ready, live := r.ready(g, tg, v)
	return ready >= grp.Desired && live == len(all)
}

// analysisPassed runs the metric checks of one tick; a failure is
// counted and halts advancement.
func (r *flaggerRun) analysisPassed() bool {
	env, s := r.env, r.s
	var readings []analysis.Reading
	data := false
	for _, m := range s.checks.Metrics {
		iv := m.Interval
		if iv == 0 {
			iv = analysis.DefaultMetricInterval
		}
		st := env.Obs.Window(Scope{Version: env.Target.To, TargetGroup: r.canaryTG}, iv)
		if st.Requests == 0 {
			readings = append(readings, analysis.Reading{NoData: true})
			continue
		}
		data = true
		v := 100 * st.SuccessRate
		if m.Name == analysis.RequestDuration {
			v = float64(st.LatencyP99) / float64(time.Millisecond)
		}
		readings = append(readings, analysis.Reading{Value: v})
	}
	if !data && s.mode == flaggerBlueGreen && r.weight == 0 {
		// Flagger's blue/green gets its canary traffic from a load
		// tester webhook, which is not simulated: no user reaches the
		// canary before the switch, so there is nothing to check.
		env.Log.Note("flagger: no traffic on the canary before the switch (load tests are not simulated): check skipped")
		return true
	}
	res, err := r.checker.Check(readings)
	if err != nil {
		env.Log.Note("flagger: " + err.Error())
		return false
	}
	if !res.Passed {
		env.Log.Note(fmt.Sprintf("flagger: halt advancement: %s (failed checks %d/%d)", res.Reason, res.FailedChecks, s.a.Threshold))
		return false
	}
	return true
}

// setRoute sets the canary's share of the traffic.
func (r *flaggerRun) setRoute(pct float64) *abort {
	env := r.env
	var err error
	if r.s.routing == "dns" {
		err = r.dnsSplit("canary", pct)
	} else {
		err = r.route(env.Target.LoadBalancer, env.Target.TargetGroup, r.canaryTG, pct)
	}
	if err != nil {
		return fail("%v", err)
	}
	r.weight = pct
	r.w.progress()
	return nil
}

// promote copies the canary spec to the primary and runs the primary's
// rolling update; traffic stays as it is until the primary is ready.
func (r *flaggerRun) promote() *abort {
	env := r.env
	to, from := env.Target.To, env.Target.From
	r.phasef("promote: copy canary spec to primary")
	lim, err := plan.ResolveK8sRollingUpdate(plan.DefaultK8sRollingUpdate(), r.n)
	if err != nil {
		return fail("%v", err)
	}
	g, err := env.ASG.CreateGroup(GroupSpec{
		Name: "primary-" + string(to), Version: to, Desired: 0, Min: 0, Max: lim.MaxTotalPods,
		TargetGroups: []TargetGroupID{env.Target.TargetGroup},
	})
	if err != nil {
		return fail("%v", err)
	}
	r.w.watchGroup(g)
	r.newPrimary, r.promoted = g, true
	r.phase = flaggerPromoting
	a := r.replace(env.Target.Group, g, env.Target.TargetGroup, from, to, r.n, lim.MaxSurgePods, lim.MaxUnavailablePods)
	if a != nil && !a.fired {
		// Flagger's handleFailedPromotion: the primary cannot be trusted,
		// the canary is the only healthy copy of the new revision.
		_ = r.setRoute(100)
		return &abort{trigger: a.trigger, reason: "flagger: promotion failed, primary not ready: " + a.reason, stuck: true}
	}
	return a
}

// shiftToPrimary is a promoting tick: all traffic to the primary at once,
// or stepWeightPromotion at a time.
func (r *flaggerRun) shiftToPrimary() *abort {
	w := 0.0
	if step := r.s.a.StepWeightPromotionPercent; step > 0 {
		w = max(0, r.weight-step)
	}
	r.phasef("route %g%% to primary", 100-w)
	if a := r.setRoute(w); a != nil {
		return a
	}
	if w == 0 {
		r.phase = flaggerFinalising
	}
	return nil
}

// undo is Flagger's rollback: all traffic to the primary, the canary
// scaled to zero. After a promotion has begun the primary already runs
// the new version; it is rolled back to the previous one.
func (r *flaggerRun) undo() error {
	env := r.env
	if r.weight > 0 {
		if a := r.setRoute(0); a != nil {
			return a
		}
		if r.s.routing == "dns" {
			r.phasef("wait DNS TTL %v before removing the canary", env.DNS.TTL())
			env.Clock.Sleep(env.DNS.TTL() + r.cfg.PollInterval)
		}
	}
	if r.hasCanary {
		r.phasef("scale canary to zero")
		if err := r.deleteFleet(r.canaryG); err != nil {
			return err
		}
	}
	if r.hasLB {
		if err := env.LBs.DeleteLoadBalancer(r.canaryLB); err != nil {
			return err
		}
	}
	if !r.promoted {
		return nil
	}
	r.phasef("roll the primary back to %s", env.Target.From)
	lim, err := plan.ResolveK8sRollingUpdate(plan.DefaultK8sRollingUpdate(), r.n)
	if err != nil {
		return err
	}
	if a := r.replace(r.newPrimary, env.Target.Group, env.Target.TargetGroup, env.Target.To, env.Target.From, r.n, lim.MaxSurgePods, lim.MaxUnavailablePods); a != nil {
		return a
	}
	return r.deleteFleet(r.newPrimary)
}
