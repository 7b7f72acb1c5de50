package strategies

import (
	"fmt"
	"slices"
	"time"

	"github.com/deploysim/deploysim/strategies/plan"
)

// AWS CloudFormation's updates of an Auto Scaling group: a stack update
// that changes the group's launch template runs its UpdatePolicy —
// AutoScalingRollingUpdate (rolling, variant cloudformation) or
// AutoScalingReplacingUpdate (immutable, variant cloudformation) — and a
// failed update rolls the stack back (UPDATE_ROLLBACK_IN_PROGRESS),
// which for the group is the same kind of update back to the previous
// launch template, taking as long, with the same policy ("CloudFormation
// rolls back the stack with the same settings, including the same
// PauseTime value").

func (c RollingConfig) cloudFormationSet() bool {
	return c.MaxBatchSize != nil || c.MinInstancesInService != nil || c.MinSuccessfulInstancesPercent != nil ||
		c.PauseTime != nil || c.WaitOnResourceSignals != nil || len(c.SuspendProcesses) > 0 || c.MaxSize != 0
}

// cloudFormationPolicy resolves the AutoScalingRollingUpdate fields with
// CloudFormation's defaults: MaxBatchSize 1, MinInstancesInService 0,
// MinSuccessfulInstancesPercent 100, PauseTime PT0S (PT5M with signals).
func (c RollingConfig) cloudFormationPolicy() (plan.AutoScalingRollingUpdate, error) {
	p := plan.DefaultAutoScalingRollingUpdate()
	if c.MaxBatchSize != nil {
		p.MaxBatchSize = *c.MaxBatchSize
	}
	if c.MinInstancesInService != nil {
		p.MinInstancesInService = *c.MinInstancesInService
	}
	if c.MinSuccessfulInstancesPercent != nil {
		p.MinSuccessfulInstancesPercent = *c.MinSuccessfulInstancesPercent
	}
	if c.WaitOnResourceSignals != nil {
		p.WaitOnResourceSignals = *c.WaitOnResourceSignals
	}
	p.PauseTime = plan.DefaultPauseTime(p.WaitOnResourceSignals)
	if c.PauseTime != nil {
		p.PauseTime = *c.PauseTime
	}
	p.SuspendProcesses = c.SuspendProcesses
	if c.MaxSize < 0 {
		return p, fmt.Errorf("max_size %d: allowed 1 or more (the group's MaxSize; 0 for the world's)", c.MaxSize)
	}
	if err := p.Validate(c.MaxSize); err != nil {
		return p, err
	}
	return p, nil
}

// useCloudFormation bounds the waits of a stack update by its own
// timeouts: the progress deadline covers a PauseTime (or a signal
// Timeout) and the draining of a batch.
func (r *runner) useCloudFormation(wait time.Duration) {
	r.cfg.ProgressDeadline = max(r.cfg.ProgressDeadline, wait+2*time.Minute)
}

// suspend suspends processes on g for a stack operation and returns the
// function that resumes them (at most once).
func (r *runner) suspend(g GroupID, processes []string) (resume func(), err error) {
	if len(processes) == 0 {
		return func() {}, nil
	}
	if err := r.env.ASG.SuspendProcesses(g, processes...); err != nil {
		return nil, err
	}
	done := false
	return func() {
		if !done {
			done = true
			_ = r.env.ASG.ResumeProcesses(g, processes...)
		}
	}, nil
}

// runCloudFormation is a stack update of the group's launch template
// under an AutoScalingRollingUpdate policy.
func (s *rolling) runCloudFormation(r *runner, n int) Result {
	env := r.env
	g := env.Target.Group
	grp, err := env.ASG.DescribeGroup(g)
	if err != nil {
		return failed(err)
	}
	maxSize := s.cfg.MaxSize
	if maxSize == 0 {
		maxSize = grp.Max
	}
	if maxSize < n {
		return failed(fmt.Errorf("max_size %d is below the group's desired capacity %d", maxSize, n))
	}
	if _, err := plan.RollingUpdate(s.cfn, n, maxSize, n); err != nil {
		return failed(err)
	}
	// The stack sets the group's MaxSize with its other properties.
	if maxSize != grp.Max {
		if err := env.ASG.UpdateGroup(g, GroupUpdate{Max: &maxSize}); err != nil {
			return failed(err)
		}
	}
	minSize := min(grp.Min, n)
	r.useCloudFormation(s.cfn.PauseTime)
	r.w.watchGroup(g)
	resume, err := r.suspend(g, s.cfn.SuspendProcesses)
	if err != nil {
		return failed(err)
	}
	env.Log.Phase("UPDATE_IN_PROGRESS")
	a := r.migrate()
	if a == nil {
		a = r.rollingUpdate(g, env.Target.To, s.cfn, n, minSize, maxSize)
	}
	resume()
	if a == nil {
		env.Log.Phase("UPDATE_COMPLETE")
		a = r.bake()
	}
	return r.finish(a, func() error {
		env.Log.Phase("UPDATE_ROLLBACK_IN_PROGRESS")
		resume, err := r.suspend(g, s.cfn.SuspendProcesses)
		if err != nil {
			return err
		}
		defer resume()
		if a := r.rollingUpdate(g, env.Target.From, s.cfn, n, minSize, maxSize); a != nil {
			env.Log.Phase("UPDATE_ROLLBACK_FAILED")
			return a
		}
		env.Log.Phase("UPDATE_ROLLBACK_COMPLETE")
		return nil
	})
}

// rollingUpdate moves group g of desired instances to launch template
// version v as CloudFormation's AutoScalingRollingUpdate does: the
// group's capacity is raised to the layout's temporary capacity (new
// instances first), then each round terminates a batch of obsolete
// instances, the group launches their replacements, and CloudFormation
// waits — for the replacements' signals within PauseTime, or PauseTime
// itself — before the next; the last round sets the capacity back.
// Signals that time out count as failures; once the successes still
// possible fall below MinSuccessfulInstancesPercent the update fails.
//
// minSize and maxSize are the group's MinSize and MaxSize in the template.
func (r *runner) rollingUpdate(g GroupID, v Version, p plan.AutoScalingRollingUpdate, desired, minSize, maxSize int) *abort {
	env := r.env
	if err := env.ASG.UpdateGroup(g, GroupUpdate{Version: &v}); err != nil {
		return fail("%v", err)
	}
	ins, err := r.live(g)
	if err != nil {
		return fail("%v", err)
	}
	obsolete := ids(slices.DeleteFunc(slices.Clone(ins), func(in Instance) bool { return in.Version == v }), "")
	l, err := plan.RollingUpdate(p, desired, maxSize, min(len(obsolete), desired))
	if err != nil {
		return fail("%v", err)
	}
	if len(obsolete) == 0 {
		return nil
	}
	sig := &signalCount{p: p, launches: l.Launches}
	how := fmt.Sprintf("pausing %v after each batch", p.PauseTime)
	if p.WaitOnResourceSignals {
		how = fmt.Sprintf("waiting on resource signals with a timeout of %s", plan.FormatISO8601Duration(p.PauseTime))
	}
	env.Log.Note(fmt.Sprintf("rolling update initiated: terminating %d obsolete instance(s) in batches of %d, while keeping at least %d in service; %s",
		len(obsolete), l.BatchSize, p.MinInstancesInService, how))
	known := map[InstanceID]bool{}
	for _, in := range ins {
		known[in.ID] = true
	}
	if l.TempDesired != desired {
		r.phasef("temporarily setting MinSize and DesiredCapacity to %d", l.TempDesired)
		if err := env.ASG.UpdateGroup(g, GroupUpdate{Desired: &l.TempDesired, Min: &l.TempDesired}); err != nil {
			return fail("%v", err)
		}
		if a := r.settleBatch(g, v, known, nil, l.TempDesired, p, sig); a != nil {
			return a
		}
	}
	for round, k := range l.Rounds {
		live, err := r.live(g)
		if err != nil {
			return fail("%v", err)
		}
		var batch []InstanceID
		for _, in := range live {
			if in.Version != v && len(batch) < k {
				batch = append(batch, in.ID)
			}
		}
		if len(batch) == 0 {
			break // gone already (replaced by the group)
		}
		last := round == len(l.Rounds)-1
		r.phasef("batch %d/%d: terminate %d obsolete instance(s)", round+1, len(l.Rounds), len(batch))
		for _, id := range batch {
			r.w.terminated(id)
			if err := env.ASG.TerminateInstance(id, false); err != nil {
				return fail("%v", err)
			}
		}
		capacity := l.TempDesired
		if last {
			// The template's capacity again (also after a failed update
			// left the temporary one).
			capacity = desired
			if err := env.ASG.UpdateGroup(g, GroupUpdate{Desired: &desired, Min: &minSize}); err != nil {
				return fail("%v", err)
			}
		}
		if a := r.settleBatch(g, v, known, batch, capacity, p, sig); a != nil {
			return a
		}
	}
	// An obsolete instance the rounds did not reach (one the group
	// launched meanwhile from the old template) is replaced too.
	if live, err := r.live(g); err == nil {
		for _, in := range live {
			if in.Version != v {
				return r.rollingUpdate(g, v, p, desired, minSize, maxSize)
			}
		}
	}
	return nil
}

// signalCount tallies an update's signals: launches expected, failures
// (timed out) so far.
type signalCount struct {
	p                  plan.AutoScalingRollingUpdate
	launches, failures int
	received           int
}

// settleBatch waits for the batch's terminations to finish and the
// group to reach capacity, then for the new instances' signals within
// PauseTime (or PauseTime itself without signals).
func (r *runner) settleBatch(g GroupID, v Version, known map[InstanceID]bool, terminating []InstanceID, capacity int, p plan.AutoScalingRollingUpdate, sig *signalCount) *abort {
	a := r.until(fmt.Sprintf("group %v to settle at %d instances", g, capacity), func() bool {
		grp, err := r.env.ASG.DescribeGroup(g)
		if err != nil {
			return true
		}
		live := 0
		for _, in := range grp.Instances {
			switch {
			case slices.Contains(terminating, in.ID) && in.State != Terminated:
				return false // still draining
			case in.State == Pending || in.State == InService:
				live++
			}
		}
		return live >= capacity
	})
	if a != nil {
		return a
	}
	live, err := r.live(g)
	if err != nil {
		return fail("%v", err)
	}
	var added []InstanceID
	for _, in := range live {
		if !known[in.ID] {
			known[in.ID] = true
			if in.Version == v {
				added = append(added, in.ID)
			}
		}
	}
	if len(added) == 0 {
		return nil
	}
	if !p.WaitOnResourceSignals {
		if p.PauseTime <= 0 {
			return nil
		}
		r.phasef("pause %v after %d new instance(s)", p.PauseTime, len(added))
		return r.wait(p.PauseTime)
	}
	r.phasef("waiting on %d resource signal(s) with a timeout of %s", len(added), plan.FormatISO8601Duration(p.PauseTime))
	got, a := r.waitSignals(added, len(added), p.PauseTime)
	if a != nil {
		return a
	}
	sig.received += got
	sig.failures += len(added) - got
	if got < len(added) {
		r.env.Log.Note(fmt.Sprintf("failed to receive %d resource signal(s) for the current batch; each timeout is counted as a FAILURE", len(added)-got))
	}
	if plan.RollingUpdateFailed(p, sig.launches, sig.failures) {
		return failAs(Trigger{Kind: TriggerSignal, Name: "MinSuccessfulInstancesPercent"},
			"received %d SUCCESS signal(s) out of %d: unable to satisfy %g%% MinSuccessfulInstancesPercent requirement",
			sig.received, sig.launches, p.MinSuccessfulInstancesPercent)
	}
	return nil
}

// waitSignals waits up to timeout for need success signals from ids and
// returns how many arrived. The wait is on purpose: the triggers keep
// being watched.
func (r *runner) waitSignals(ids []InstanceID, need int, timeout time.Duration) (int, *abort) {
	count := func() int {
		n := 0
		for _, id := range ids {
			if _, ok := r.env.Signals.Signal(id); ok {
				n++
			}
		}
		return n
	}
	end := r.env.Clock.Now() + timeout
	last := -1
	a := r.until(fmt.Sprintf("%d resource signal(s)", need), func() bool {
		n := count()
		if n > last {
			if last >= 0 {
				r.w.progress()
				r.env.Log.Note(fmt.Sprintf("received %d of %d SUCCESS signal(s)", n, need))
			}
			last = n
		}
		return n >= need || r.env.Clock.Now() >= end
	})
	return count(), a
}

// replacingUpdate is AutoScalingReplacingUpdate (WillReplace): a new
// group on the new launch template is created next to the old one; it is
// complete when its CreationPolicy's signals arrive (at once without a
// CreationPolicy); then the stack's cleanup deletes the old group. Until
// the cleanup a rollback only deletes the new group; after it, the
// previous version comes back the same way, as a replacing update.
func (s *immutable) replacingUpdate(r *runner, n int) Result {
	env := r.env
	old, tg := env.Target.Group, env.Target.TargetGroup
	var cp *plan.CreationPolicy
	if s.creation != nil {
		c := *s.creation
		cp = &c
		r.useCloudFormation(c.Timeout)
	}
	var repl GroupID
	cleaned := false
	env.Log.Phase("UPDATE_IN_PROGRESS")
	a := r.migrate()
	if a == nil {
		repl, a = r.replaceGroup("replacement-"+string(env.Target.To), env.Target.To, n, tg, cp)
	}
	if a == nil {
		env.Log.Phase("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: delete the old group")
		if err := r.deleteFleet(old); err != nil {
			a = fail("%v", err)
		}
		cleaned = true
	}
	if a == nil {
		env.Log.Phase("UPDATE_COMPLETE")
		a = r.bake()
	}
	return r.finish(a, func() error {
		if !cleaned {
			env.Log.Phase("UPDATE_ROLLBACK_IN_PROGRESS: delete the new group")
			if repl == 0 {
				return nil
			}
			return r.deleteFleet(repl)
		}
		// The old group is gone: the previous launch template comes back
		// by another replacing update.
		env.Log.Phase("replacing update back to " + string(env.Target.From))
		back, a := r.replaceGroup("replacement-"+string(env.Target.From), env.Target.From, n, tg, cp)
		if a != nil {
			if back != 0 {
				_ = r.deleteFleet(back)
			}
			return a
		}
		return r.deleteFleet(repl)
	})
}

// replaceGroup creates the replacement group of n instances of v in tg
// and waits for it as CloudFormation waits for a created group: for the
// CreationPolicy's signals within its Timeout, or, without one, until its
// instances are launched.
func (r *runner) replaceGroup(name string, v Version, n int, tg TargetGroupID, cp *plan.CreationPolicy) (GroupID, *abort) {
	r.phasef("create group %s (%d × %s)", name, n, v)
	g, err := r.env.ASG.CreateGroup(GroupSpec{
		Name: name, Version: v, Desired: n, Min: n, Max: max(n, 1) * 2, TargetGroups: []TargetGroupID{tg},
	})
	if err != nil {
		return 0, fail("%v", err)
	}
	r.w.watchGroup(g)
	if cp == nil {
		return g, r.until(fmt.Sprintf("%d instances launched in %v", n, g), func() bool {
			ins, err := r.live(g)
			return err != nil || len(ins) >= n
		})
	}
	need := plan.ReplacingUpdateSignals(*cp, n)
	r.phasef("waiting on %d resource signal(s) with a timeout of %s", need, plan.FormatISO8601Duration(cp.Timeout))
	end := r.env.Clock.Now() + cp.Timeout
	got := 0
	a := r.until(fmt.Sprintf("%d resource signal(s) from %v", need, g), func() bool {
		grp, err := r.env.ASG.DescribeGroup(g)
		if err != nil {
			return true
		}
		k := 0
		for _, in := range grp.Instances {
			if _, ok := r.env.Signals.Signal(in.ID); ok {
				k++
			}
		}
		if k > got {
			got = k
			r.w.progress()
		}
		return got >= need || r.env.Clock.Now() >= end
	})
	if a != nil {
		return g, a
	}
	if got < need {
		return g, failAs(Trigger{Kind: TriggerSignal, Name: "CreationPolicy"}, "group %s: received %d of %d SUCCESS signal(s) within %s: CREATE_FAILED",
			name, got, need, plan.FormatISO8601Duration(cp.Timeout))
	}
	return g, nil
}
