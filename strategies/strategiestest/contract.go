// Package strategiestest is a conformance suite for the strategy contract:
// the semantics the strategy controllers rely on. Any implementation of
// the contract (the simulated world, a real cloud) should pass it, as a
// slog.Handler passes testing/slogtest.
package strategiestest

import (
	"errors"
	"time"

	"github.com/deploysim/deploysim/strategies"
)

// Options describe what the world under test offers.
type Options struct {
	// IrreversibleMigration names a migration of the release that has no
	// down-migration ("" skips that check).
	IrreversibleMigration string
	// Boot bounds how long a new instance takes to become healthy (10m).
	Boot time.Duration
}

// Errorf is how the suite reports a violation (testing.T.Errorf; it must
// be safe to call from the strategy's goroutine).
type Errorf func(format string, args ...any)

// Suite returns a strategy whose Run exercises the contract against env
// and reports every violation through errorf. Run it as a deployment of
// Target.From → Target.To; it leaves the live environment as it found it
// and returns Succeeded (or Failed when a check could not continue).
func Suite(errorf Errorf, o Options) strategies.Strategy {
	if o.Boot == 0 {
		o.Boot = 10 * time.Minute
	}
	return &suite{errorf: errorf, o: o}
}

type suite struct {
	errorf Errorf
	o      Options
}

func (s *suite) Name() string { return "contract-conformance" }

func (s *suite) Run(env strategies.Env) strategies.Result {
	checks := []struct {
		name string
		f    func(env strategies.Env) bool
	}{
		{"clock", s.clock},
		{"live environment", s.liveEnvironment},
		{"not found", s.notFound},
		{"validation", s.validation},
		{"new fleet", s.newFleet},
		{"in place", s.inPlace},
		{"observer", s.observer},
		{"database", s.database},
	}
	for _, c := range checks {
		env.Log.Phase("conformance: " + c.name)
		if !c.f(env) {
			return strategies.Result{Outcome: strategies.Failed, Reason: "conformance check " + c.name + " could not continue"}
		}
	}
	return strategies.Result{Outcome: strategies.Succeeded}
}

// poll waits up to d for cond, polling every 5s.
func poll(env strategies.Env, d time.Duration, cond func() bool) bool {
	end := env.Clock.Now() + d
	for !cond() {
		if env.Clock.Now() >= end {
			return false
		}
		env.Clock.Sleep(5 * time.Second)
	}
	return true
}

func (s *suite) clock(env strategies.Env) bool {
	t0 := env.Clock.Now()
	env.Clock.Sleep(1500 * time.Millisecond)
	if d := env.Clock.Now() - t0; d != 1500*time.Millisecond {
		s.errorf("Clock.Sleep(1.5s) advanced Now by %v", d)
	}
	return true
}

func (s *suite) liveEnvironment(env strategies.Env) bool {
	t := env.Target
	g, err := env.ASG.DescribeGroup(t.Group)
	if err != nil {
		s.errorf("DescribeGroup(Target.Group): %v", err)
		return false
	}
	if g.Desired < 1 || len(g.Instances) != g.Desired {
		s.errorf("live group: desired %d with %d instances", g.Desired, len(g.Instances))
	}
	for _, in := range g.Instances {
		if in.State != strategies.InService || !in.Healthy || !in.Serving || in.Version != t.From {
			s.errorf("live instance %v: %v healthy=%v serving=%v version %s, want in_service, healthy, serving, %s", in.ID, in.State, in.Healthy, in.Serving, in.Version, t.From)
		}
	}
	th, err := env.ELB.DescribeTargetHealth(t.TargetGroup)
	if err != nil || len(th) != g.Desired {
		s.errorf("DescribeTargetHealth(Target.TargetGroup): %d targets, %v; want %d", len(th), err, g.Desired)
	}
	if h := env.Obs.HealthyHosts(t.TargetGroup); h != g.Desired {
		s.errorf("HealthyHosts = %d, want %d", h, g.Desired)
	}
	fwd, err := env.ELB.Listener(t.LoadBalancer)
	if err != nil || len(fwd) != 1 || fwd[0].TargetGroup != t.TargetGroup {
		s.errorf("Listener(Target.LoadBalancer) = %v, %v; want one forward to %v", fwd, err, t.TargetGroup)
	}
	found := false
	for _, r := range env.DNS.Weights() {
		found = found || (r.SetIdentifier == t.Record && r.Target == t.CNAME && r.Weight > 0)
	}
	if !found {
		s.errorf("DNS.Weights() = %v: no record %q → %q", env.DNS.Weights(), t.Record, t.CNAME)
	}
	return true
}

func (s *suite) notFound(env strategies.Env) bool {
	if _, err := env.ASG.DescribeGroup(9999); !errors.Is(err, strategies.ErrNotFound) {
		s.errorf("DescribeGroup(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := env.ELB.DescribeTargetHealth(9999); !errors.Is(err, strategies.ErrNotFound) {
		s.errorf("DescribeTargetHealth(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := env.Obs.AlarmState("no-such-alarm"); !errors.Is(err, strategies.ErrNotFound) {
		s.errorf("AlarmState(unknown) = %v, want ErrNotFound", err)
	}
	if err := env.Agent.StartDeploy(99999, env.Target.To, strategies.DeployOptions{}); !errors.Is(err, strategies.ErrNotFound) {
		s.errorf("StartDeploy(unknown instance) = %v, want ErrNotFound", err)
	}
	return true
}

func (s *suite) validation(env strategies.Env) bool {
	t := env.Target
	if err := env.ELB.SetListener(t.LoadBalancer, []strategies.Forward{{TargetGroup: t.TargetGroup, Weight: 1000}}); err == nil {
		s.errorf("SetListener with weight 1000: no error")
	}
	if err := env.DNS.SetWeights([]strategies.WeightedRecord{{SetIdentifier: "x", Target: t.CNAME, Weight: 256}}); err == nil {
		s.errorf("SetWeights with weight 256: no error")
	}
	if _, err := env.LBs.CreateLoadBalancer(t.CNAME, t.TargetGroup); err == nil {
		s.errorf("CreateLoadBalancer with a taken name: no error")
	}
	if err := env.Flags.SetFlag("f", 150); err == nil {
		s.errorf("SetFlag 150%%: no error")
	}
	if _, err := env.ASG.CreateGroup(strategies.GroupSpec{Name: "bad", Version: t.To, Desired: 3, Max: 2}); err == nil {
		s.errorf("CreateGroup with desired above max: no error")
	}
	if _, err := env.Obs.Samples(strategies.Scope{}, "no_such_metric", time.Minute, 10*time.Second); err == nil {
		s.errorf("Samples of an unknown metric: no error")
	}
	// The live listener and records are unchanged by rejected calls.
	if fwd, _ := env.ELB.Listener(t.LoadBalancer); len(fwd) != 1 || fwd[0].TargetGroup != t.TargetGroup {
		s.errorf("a rejected SetListener changed the listener: %v", fwd)
	}
	return true
}

// newFleet: a group of the new version behind a new target group and load
// balancer boots, registers and becomes healthy; weights route; scaling
// and termination behave; deletion removes everything.
func (s *suite) newFleet(env strategies.Env) bool {
	t := env.Target
	tg, err := env.ELB.CreateTargetGroup("conformance")
	if err != nil {
		s.errorf("CreateTargetGroup: %v", err)
		return false
	}
	g, err := env.ASG.CreateGroup(strategies.GroupSpec{Name: "conformance", Version: t.To, Desired: 1, Max: 3, TargetGroups: []strategies.TargetGroupID{tg}})
	if err != nil {
		s.errorf("CreateGroup: %v", err)
		return false
	}
	healthy := func(n int) func() bool {
		return func() bool { return env.Obs.HealthyHosts(tg) >= n }
	}
	if !poll(env, s.o.Boot, healthy(1)) {
		s.errorf("a new instance was not healthy in its target group within %v", s.o.Boot)
		return false
	}
	grp, _ := env.ASG.DescribeGroup(g)
	if len(grp.Instances) != 1 || grp.Instances[0].Version != t.To || grp.Instances[0].State != strategies.InService {
		s.errorf("new group: %+v", grp.Instances)
	}
	// A launched instance whose application came up has sent its
	// cfn-signal, no later than now.
	if len(grp.Instances) == 1 {
		if at, ok := env.Signals.Signal(grp.Instances[0].ID); !ok || at > env.Clock.Now() {
			s.errorf("a healthy new instance has no success signal (%v at %v)", ok, at)
		}
	}
	// A suspended Launch launches nothing; an unknown process is an
	// error.
	if err := env.ASG.SuspendProcesses(g, "NoSuchProcess"); err == nil {
		s.errorf("SuspendProcesses accepted an unknown process")
	}
	if err := env.ASG.SuspendProcesses(g, "Launch"); err != nil {
		s.errorf("SuspendProcesses Launch: %v", err)
	} else {
		_ = env.ASG.UpdateGroup(g, strategies.GroupUpdate{Desired: new(2)})
		env.Clock.Sleep(time.Minute)
		if grp, _ := env.ASG.DescribeGroup(g); len(grp.Instances) != 1 {
			s.errorf("Launch suspended, desired 2: %d instances, want 1", len(grp.Instances))
		}
		_ = env.ASG.UpdateGroup(g, strategies.GroupUpdate{Desired: new(1)})
		if err := env.ASG.ResumeProcesses(g, "Launch"); err != nil {
			s.errorf("ResumeProcesses Launch: %v", err)
		}
	}
	if err := env.ASG.UpdateGroup(g, strategies.GroupUpdate{Desired: new(2)}); err != nil {
		s.errorf("UpdateGroup desired 2: %v", err)
	}
	if !poll(env, s.o.Boot, healthy(2)) {
		s.errorf("scaling to 2 did not give 2 healthy targets within %v", s.o.Boot)
	}
	// Listener weights are kept as set.
	fwd := []strategies.Forward{{TargetGroup: t.TargetGroup, Weight: 900}, {TargetGroup: tg, Weight: 100}}
	if err := env.ELB.SetListener(t.LoadBalancer, fwd); err != nil {
		s.errorf("SetListener 900/100: %v", err)
	}
	env.Clock.Sleep(time.Minute)
	if got := env.Obs.Window(strategies.Scope{Version: t.To}, 30*time.Second); got.Requests == 0 {
		s.errorf("no requests reached the new version at weight 100/1000")
	}
	if err := env.ELB.SetListener(t.LoadBalancer, []strategies.Forward{{TargetGroup: t.TargetGroup, Weight: 1}}); err != nil {
		s.errorf("SetListener back: %v", err)
	}
	// DNS: a second environment behind its own name.
	lb, err := env.LBs.CreateLoadBalancer("conformance", tg)
	if err != nil {
		s.errorf("CreateLoadBalancer: %v", err)
	} else {
		recs := []strategies.WeightedRecord{{SetIdentifier: t.Record, Target: t.CNAME, Weight: 100}, {SetIdentifier: "conformance", Target: "conformance", Weight: 0}}
		if err := env.DNS.SetWeights(recs); err != nil {
			s.errorf("SetWeights: %v", err)
		}
		if got := env.DNS.Weights(); len(got) != 2 || got[1].Weight != 0 {
			s.errorf("Weights() = %v, want %v", got, recs)
		}
		_ = env.DNS.SetWeights(recs[:1])
		if err := env.LBs.DeleteLoadBalancer(lb); err != nil {
			s.errorf("DeleteLoadBalancer: %v", err)
		}
	}
	// Terminating with decrement lowers desired and gets no replacement.
	grp, _ = env.ASG.DescribeGroup(g)
	if err := env.ASG.TerminateInstance(grp.Instances[0].ID, true); err != nil {
		s.errorf("TerminateInstance: %v", err)
	}
	if grp, _ = env.ASG.DescribeGroup(g); grp.Desired != 1 {
		s.errorf("TerminateInstance(decrement): desired %d, want 1", grp.Desired)
	}
	if err := env.ASG.DeleteGroup(g); err != nil {
		s.errorf("DeleteGroup: %v", err)
	}
	if _, err := env.ASG.DescribeGroup(g); !errors.Is(err, strategies.ErrNotFound) {
		s.errorf("DescribeGroup after DeleteGroup = %v, want ErrNotFound", err)
	}
	return true
}

// inPlace: a deployment with BlockTraffic takes the instance out, runs
// the lifecycle, installs the version and puts it back healthy; a second
// deployment over a running one is refused; the instance is restored.
func (s *suite) inPlace(env strategies.Env) bool {
	t := env.Target
	g, _ := env.ASG.DescribeGroup(t.Group)
	id := g.Instances[0].ID
	if err := env.Agent.StartDeploy(id, t.To, strategies.DeployOptions{BlockTraffic: true}); err != nil {
		s.errorf("StartDeploy: %v", err)
		return false
	}
	if st, _ := env.Agent.DescribeDeploy(id); st.State != strategies.DeployInProgress {
		s.errorf("DescribeDeploy right after StartDeploy: %v, want in_progress", st.State)
	}
	if err := env.Agent.StartDeploy(id, t.To, strategies.DeployOptions{}); err == nil {
		s.errorf("StartDeploy over a running deployment: no error")
	}
	deployed := func(v strategies.Version) bool {
		ok := poll(env, 10*time.Minute, func() bool {
			st, _ := env.Agent.DescribeDeploy(id)
			return st.State == strategies.DeploySucceeded || st.State == strategies.DeployFailed
		})
		st, _ := env.Agent.DescribeDeploy(id)
		grp, _ := env.ASG.DescribeGroup(t.Group)
		var ver strategies.Version
		for _, in := range grp.Instances {
			if in.ID == id {
				ver = in.Version
			}
		}
		if !ok || st.State != strategies.DeploySucceeded || ver != v {
			s.errorf("in-place deploy of %s: %+v, instance on %s", v, st, ver)
			return false
		}
		return true
	}
	if !deployed(t.To) {
		return false
	}
	if env.Obs.HealthyHosts(t.TargetGroup) != g.Desired {
		s.errorf("after AllowTraffic: %d healthy, want %d", env.Obs.HealthyHosts(t.TargetGroup), g.Desired)
	}
	if err := env.Agent.StartDeploy(id, t.From, strategies.DeployOptions{BlockTraffic: true}); err != nil {
		s.errorf("StartDeploy back: %v", err)
		return false
	}
	return deployed(t.From)
}

func (s *suite) observer(env strategies.Env) bool {
	st := env.Obs.Window(strategies.Scope{Version: env.Target.From}, time.Minute)
	if st.Requests == 0 || st.SuccessRate <= 0 || st.LatencyP99 < st.LatencyP50 {
		s.errorf("Window(from, 1m) = %+v", st)
	}
	xs, err := env.Obs.Samples(strategies.Scope{Version: env.Target.From}, "error_rate", time.Minute, 10*time.Second)
	if err != nil || len(xs) == 0 || len(xs) > 6 {
		s.errorf("Samples(error_rate, 1m, 10s) = %v, %v: want 1–6 values", xs, err)
	}
	return true
}

func (s *suite) database(env strategies.Env) bool {
	if err := env.DB.Migrate("no-such-migration"); err == nil {
		s.errorf("Migrate(unknown): no error")
	}
	if s.o.IrreversibleMigration == "" {
		return true
	}
	v0 := env.DB.SchemaVersion()
	t0 := env.Clock.Now()
	if err := env.DB.Migrate(s.o.IrreversibleMigration); err != nil {
		s.errorf("Migrate: %v", err)
		return false
	}
	if env.DB.SchemaVersion() != v0+1 || env.Clock.Now() == t0 {
		s.errorf("Migrate: schema %d → %d in %v; want +1 taking time", v0, env.DB.SchemaVersion(), env.Clock.Now()-t0)
	}
	if err := env.DB.Revert(s.o.IrreversibleMigration); !errors.Is(err, strategies.ErrIrreversible) {
		s.errorf("Revert(irreversible) = %v, want ErrIrreversible", err)
	}
	return true
}
