package strategies

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// runner is the shared machinery of a controller run: polling with the
// rollback triggers armed, waits with the progress deadline, migrations,
// and the bookkeeping of the rollback decision.
type runner struct {
	env  Env
	cfg  Rollback
	w    *watcher
	name string

	migrated    []string // migrations applied by this run, in order
	rollingBack bool
	// guards are strategy-specific triggers (EB watching the health of the
	// new instances during a traffic split).
	guards []guard
	// tasks marks a controller that runs an Amazon ECS service: the groups
	// it creates replace an instance whose process exits, as ECS replaces
	// a stopped task.
	tasks bool
	// eb is Elastic Beanstalk's deployment policy for in-place batches:
	// how long an instance may take to become healthy and whether a batch
	// that does not is let through (nil: CodeDeploy's defaults).
	eb *ebPolicy
}

// guard is a strategy-specific trigger: check returns a reason when it
// fires.
type guard struct {
	trigger Trigger
	check   func() string
}

// guard arms a strategy-specific trigger of kind k.
func (r *runner) guard(k TriggerKind, check func() string) {
	r.guards = append(r.guards, guard{Trigger{Kind: k}, check})
}

func newRunner(env Env, cfg Rollback, name string) *runner {
	return &runner{env: env, cfg: cfg, w: newWatcher(env, cfg), name: name}
}

// abort is why a deployment stops early: a trigger fired, or an operating
// error (TriggerError) stopped it. Unless stuck is set it is rolled back.
type abort struct {
	trigger Trigger
	reason  string
	stuck   bool // leave as is: outcome failed (e.g. K8s progress deadline)
	// fired marks a rollback trigger (an alarm, an analysis, the human on
	// call, the circuit breaker) as opposed to a failure of the deployment
	// itself (a batch that stayed unhealthy, a deadline).
	fired bool
}

func (a *abort) Error() string { return a.reason }

// fail is an operating error: the world refused a call.
func fail(format string, args ...any) *abort {
	return failAs(Trigger{Kind: TriggerError}, format, args...)
}

// failAs is a stop by trigger t.
func failAs(t Trigger, format string, args ...any) *abort {
	return &abort{trigger: t, reason: fmt.Sprintf(format, args...)}
}

// wait sleeps d, polling the triggers; it returns the trigger that fired.
// Every timed wait of a controller is a deliberate hold (a pause, a bake,
// an approval, an analysis interval, a warm-up), so its time counts as
// waiting.
func (r *runner) wait(d time.Duration) *abort { return r.hold(PhaseWaiting, d) }

// keepOld waits d with the old fleet still alive after the switch, ready
// for a switch back (termination wait, scale-down delay).
func (r *runner) keepOld(d time.Duration) *abort { return r.hold(PhaseTerminationWait, d) }

// hold sleeps d as kind, polling the triggers; the time after it is active
// again.
func (r *runner) hold(kind PhaseKind, d time.Duration) *abort {
	r.env.Log.Spending(kind)
	defer r.env.Log.Spending(PhaseActive)
	end := r.env.Clock.Now() + d
	for {
		now := r.env.Clock.Now()
		if now >= end {
			return nil
		}
		r.env.Clock.Sleep(min(r.cfg.PollInterval, end-now))
		if a := r.poll(); a != nil {
			return a
		}
	}
}

// poll evaluates the triggers once (none while rolling back).
func (r *runner) poll() *abort {
	if r.rollingBack {
		return nil
	}
	if a := r.w.check(); a != nil {
		a.fired = true
		return a
	}
	for _, g := range r.guards {
		if reason := g.check(); reason != "" {
			return &abort{trigger: g.trigger, reason: reason, fired: true}
		}
	}
	return nil
}

// until polls cond until it holds, watching the triggers; waiting longer
// than the progress deadline without progress is an abort too.
func (r *runner) until(what string, cond func() bool) *abort {
	r.w.progress()
	for {
		if cond() {
			r.w.progress()
			return nil
		}
		r.env.Clock.Sleep(r.cfg.PollInterval)
		if a := r.poll(); a != nil {
			return a
		}
		if r.env.Clock.Now()-r.w.lastProgress > r.cfg.ProgressDeadline {
			return &abort{
				trigger: Trigger{Kind: TriggerDeadline},
				reason:  fmt.Sprintf("progress deadline %v exceeded waiting for %s", r.cfg.ProgressDeadline, what),
				stuck:   !*r.cfg.ProgressDeadlineAbort && !r.rollingBack,
			}
		}
	}
}

// bake watches the triggers for the bake time after the last shift.
func (r *runner) bake() *abort {
	if *r.cfg.BakeTime <= 0 {
		return nil
	}
	r.env.Log.Phase("bake")
	return r.wait(*r.cfg.BakeTime)
}

// migrate runs the release's migrations, before traffic reaches the new
// version.
func (r *runner) migrate() *abort {
	for _, m := range r.env.Target.Migrations {
		r.env.Log.Phase("migrate " + m)
		if err := r.env.DB.Migrate(m); err != nil {
			return failAs(Trigger{TriggerMigration, m}, "migration %s: %v", m, err)
		}
		r.migrated = append(r.migrated, m)
	}
	return nil
}

// revert undoes this run's migrations, newest first.
func (r *runner) revert() error {
	if !*r.cfg.RevertMigrations {
		return nil
	}
	for len(r.migrated) > 0 {
		m := r.migrated[len(r.migrated)-1]
		r.env.Log.Phase("revert " + m)
		if err := r.env.DB.Revert(m); err != nil {
			if errors.Is(err, ErrIrreversible) {
				return fmt.Errorf("migration %s is irreversible: the old version cannot get its schema back", m)
			}
			return fmt.Errorf("revert %s: %w", m, err)
		}
		r.migrated = r.migrated[:len(r.migrated)-1]
	}
	return nil
}

// finish turns the deployment's end into a Result: success, or a rollback
// through undo (the strategy's mechanism) followed by the down-migrations.
func (r *runner) finish(a *abort, undo func() error) Result {
	if a == nil {
		return Result{Outcome: Succeeded}
	}
	if a.stuck {
		r.env.Log.Note("stopped: " + a.reason)
		return Result{Outcome: Failed, Trigger: a.trigger, Reason: a.reason}
	}
	r.rollingBack = true
	r.env.Log.RollbackStarted(a.trigger, a.reason)
	r.env.Log.Phase("rollback")
	if err := undo(); err != nil {
		return Result{Outcome: RollbackFailed, Trigger: a.trigger, Reason: a.reason + "; rollback: " + err.Error()}
	}
	if err := r.revert(); err != nil {
		return Result{Outcome: RollbackFailed, Trigger: a.trigger, Reason: a.reason + "; rollback: " + err.Error()}
	}
	return Result{Outcome: RolledBack, Trigger: a.trigger, Reason: a.reason}
}

// failed reports a configuration or setup problem found before anything
// changed: an operating error, never a deployment outcome.
func failed(err error) Result {
	return Result{Outcome: Failed, Trigger: Trigger{Kind: TriggerError}, Reason: err.Error()}
}

// live returns the instances of g that are pending or in service, in a
// stable order (by ID).
func (r *runner) live(g GroupID) ([]Instance, error) {
	grp, err := r.env.ASG.DescribeGroup(g)
	if err != nil {
		return nil, err
	}
	var out []Instance
	for _, in := range grp.Instances {
		if in.State == Pending || in.State == InService {
			out = append(out, in)
		}
	}
	slices.SortFunc(out, func(a, b Instance) int { return int(a.ID) - int(b.ID) })
	return out, nil
}

// healthyTargets returns the instances healthy in tg.
func (r *runner) healthyTargets(tg TargetGroupID) map[InstanceID]bool {
	th, _ := r.env.ELB.DescribeTargetHealth(tg)
	out := make(map[InstanceID]bool, len(th))
	for _, t := range th {
		if t.State == TargetHealthy {
			out[t.Instance] = true
		}
	}
	return out
}

// ready counts live instances of g running v that serve and are healthy in
// tg.
func (r *runner) ready(g GroupID, tg TargetGroupID, v Version) (ready, live int) {
	ins, err := r.live(g)
	if err != nil {
		return 0, 0
	}
	h := r.healthyTargets(tg)
	for _, in := range ins {
		if in.Version != v {
			continue
		}
		live++
		if in.State == InService && in.Serving && h[in.ID] {
			ready++
		}
	}
	return ready, live
}

// waitReady waits until n instances of v in g are healthy in tg.
func (r *runner) waitReady(g GroupID, tg TargetGroupID, v Version, n int) *abort {
	last := -1
	return r.until(fmt.Sprintf("%d healthy %s instances in %v", n, v, g), func() bool {
		k, _ := r.ready(g, tg, v)
		if k > last {
			if last >= 0 {
				r.w.progress()
			}
			last = k
		}
		return k >= n
	})
}

// setDesired changes a group's desired capacity (raising max if needed).
func (r *runner) setDesired(g GroupID, n int) error {
	grp, err := r.env.ASG.DescribeGroup(g)
	if err != nil {
		return err
	}
	u := GroupUpdate{Desired: new(n)}
	if n > grp.Max {
		u.Max = new(n)
	}
	if n < grp.Min {
		u.Min = new(n)
	}
	return r.env.ASG.UpdateGroup(g, u)
}

// terminate terminates instances and lowers the group's desired capacity.
func (r *runner) terminate(ids ...InstanceID) error {
	for _, id := range ids {
		r.w.terminated(id)
		if err := r.env.ASG.TerminateInstance(id, true); err != nil {
			return err
		}
	}
	return nil
}

// newFleet creates an environment's fleet: a target group and a group of n
// instances of v registered in it (and in extra target groups).
func (r *runner) newFleet(name string, v Version, n int, extra ...TargetGroupID) (GroupID, TargetGroupID, error) {
	tg, err := r.env.ELB.CreateTargetGroup(name)
	if err != nil {
		return 0, 0, err
	}
	g, err := r.env.ASG.CreateGroup(r.groupSpec(GroupSpec{
		Name: name, Version: v, Desired: n, Min: 0, Max: max(1, 2*n),
		TargetGroups: append([]TargetGroupID{tg}, extra...),
	}))
	if err != nil {
		return 0, 0, err
	}
	r.w.watchGroup(g)
	return g, tg, nil
}

// groupSpec completes the spec of a group the controller creates: an
// ECS service's task set replaces a task whose container exits and one
// that fails its load balancer health checks (after the grace period),
// as the ECS service scheduler does.
func (r *runner) groupSpec(spec GroupSpec) GroupSpec {
	if r.tasks {
		spec.ReplaceOnExit = true
		spec.HealthCheckType = "ELB"
	}
	return spec
}

// fleetSize is the live group's desired capacity.
func (r *runner) fleetSize() (int, error) {
	g, err := r.env.ASG.DescribeGroup(r.env.Target.Group)
	if err != nil {
		return 0, err
	}
	if g.Desired < 1 {
		return 0, fmt.Errorf("group %v has no instances", r.env.Target.Group)
	}
	r.w.setDesired(g.Desired)
	return g.Desired, nil
}

// route sets the listener of the live load balancer to send pct percent
// to the new target group and the rest to the old one.
func (r *runner) route(lb LoadBalancerID, oldTG, newTG TargetGroupID, pct float64) error {
	if pct >= 100 {
		return r.env.ELB.SetListener(lb, []Forward{{TargetGroup: newTG, Weight: 1}})
	}
	if pct <= 0 {
		return r.env.ELB.SetListener(lb, []Forward{{TargetGroup: oldTG, Weight: 1}})
	}
	// Weights 0–999 in tenths of a percent.
	nw := min(999, max(1, int(pct*10+0.5)))
	return r.env.ELB.SetListener(lb, []Forward{{TargetGroup: oldTG, Weight: min(999, 1000-nw)}, {TargetGroup: newTG, Weight: nw}})
}

// dnsSplit sets the application's weighted records: pct percent to the
// new environment name, the rest to the live one. Route 53 weights are
// 0–255; percentages are used directly.
func (r *runner) dnsSplit(newCNAME string, pct float64) error {
	nw := int(pct + 0.5)
	return r.env.DNS.SetWeights([]WeightedRecord{
		{SetIdentifier: r.env.Target.Record, Target: r.env.Target.CNAME, Weight: 100 - nw},
		{SetIdentifier: newCNAME, Target: newCNAME, Weight: nw},
	})
}

// phasef logs a phase.
func (r *runner) phasef(format string, args ...any) { r.env.Log.Phase(fmt.Sprintf(format, args...)) }

// approve is a manual approval gate: an approver arrives after a delay and
// approves unless the new version's error rate is above the human
// threshold; timeout (0: none) bounds the wait, after which onTimeout
// ("CONTINUE_DEPLOYMENT" or "STOP_DEPLOYMENT") applies.
func (r *runner) approve(gate string, timeout time.Duration, onTimeout string) *abort {
	d := lognormal(r.env, r.cfg.Approval.DelayMean, r.cfg.Approval.DelayStdDev)
	r.phasef("awaiting approval: %s", gate)
	if timeout > 0 && d > timeout {
		if a := r.wait(timeout); a != nil {
			return a
		}
		if onTimeout == "CONTINUE_DEPLOYMENT" {
			r.env.Log.Note(gate + ": wait time over, continuing")
			return nil
		}
		return failAs(Trigger{TriggerApproval, gate}, "%s: not approved within %v", gate, timeout)
	}
	if a := r.wait(d); a != nil {
		return a
	}
	h := r.cfg.Human
	if st := r.env.Obs.Window(Scope{Version: r.env.Target.To}, h.Window); st.Requests > 0 && 1-st.SuccessRate > h.ErrorRate {
		return failAs(Trigger{TriggerApproval, gate}, "%s: approval rejected (new version error rate %.1f%%)", gate, 100*(1-st.SuccessRate))
	}
	r.env.Log.Note(gate + ": approved")
	return nil
}

// deleteFleet removes a group (and forgets its instances for the circuit
// breaker).
func (r *runner) deleteFleet(g GroupID) error {
	if ins, err := r.live(g); err == nil {
		for _, in := range ins {
			r.w.terminated(in.ID)
		}
	}
	return r.env.ASG.DeleteGroup(g)
}

// batches splits ids into consecutive batches of the given sizes.
func splitBatches(ids []InstanceID, sizes []int) [][]InstanceID {
	var out [][]InstanceID
	k := 0
	for _, n := range sizes {
		if k >= len(ids) {
			break
		}
		end := min(len(ids), k+n)
		out = append(out, ids[k:end])
		k = end
	}
	if k < len(ids) {
		out = append(out, ids[k:])
	}
	return out
}

// ids returns the IDs of instances, optionally only those running v.
func ids(ins []Instance, v Version) []InstanceID {
	var out []InstanceID
	for _, in := range ins {
		if v == "" || in.Version == v {
			out = append(out, in.ID)
		}
	}
	return out
}

// analyse runs one analysis metric inline to completion (an Argo analysis
// step, pre- or post-promotion analysis).
func (r *runner) analyse(stage string, m AnalysisMetric) *abort {
	r.phasef("%s analysis %s", stage, m.Name)
	e, err := m.evaluator()
	if err != nil {
		return fail("%v", err)
	}
	for !e.Phase().Completed() {
		if a := r.wait(m.Interval); a != nil {
			return a
		}
		if reason := observeMetric(r.env, e, m, r.w.scope(m.Scope)); reason != "" {
			return failAs(Trigger{TriggerAnalysis, m.Name}, "%s %s", stage, reason)
		}
	}
	return nil
}
