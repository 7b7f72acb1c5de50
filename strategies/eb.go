package strategies

import (
	"fmt"
	"time"
)

// Elastic Beanstalk's rolling deployments (Rolling, RollingWithAdditionalBatch)
// have no automatic rollback. "If a batch of instances does not become
// healthy within the command timeout, the deployment fails. [...] Then
// perform another deployment with a fixed or known good version of your
// application to roll back. If a deployment fails after one or more
// batches completed successfully, the completed batches run the new
// version of your application while any pending batches continue to run
// the old version." (EB Developer Guide, Deployment policies and
// settings.)

// defaultEBTimeout is aws:elasticbeanstalk:command Timeout's default.
const defaultEBTimeout = 600 * time.Second

// ebPolicy is the part of aws:elasticbeanstalk:command that governs a
// rolling deployment's health gate.
type ebPolicy struct {
	// timeout is Timeout: how long an instance of a batch may take to
	// become healthy.
	timeout time.Duration
	// ignoreHealthCheck is IgnoreHealthCheck: a batch that is not healthy
	// within the timeout does not stop the deployment.
	ignoreHealthCheck bool
}

func newEBPolicy(timeout time.Duration, ignore bool) (*ebPolicy, error) {
	switch {
	case timeout == 0:
		timeout = defaultEBTimeout
	case timeout < time.Second || timeout > time.Hour:
		return nil, fmt.Errorf("timeout %v: allowed 1s to 3600s (EB's Timeout, default 600s)", timeout)
	}
	return &ebPolicy{timeout: timeout, ignoreHealthCheck: ignore}, nil
}

// useEB makes the runner deploy batches under p. The progress deadline
// is raised to cover one instance's Timeout, so that EB's own timeout,
// not the generic deadline, decides when a batch has failed.
func (r *runner) useEB(p *ebPolicy) {
	r.eb = p
	r.cfg.ProgressDeadline = max(r.cfg.ProgressDeadline, p.timeout+2*time.Minute)
}

// finishManual ends a deployment of a tool without automatic rollback.
// A failure of the deployment itself (a batch not healthy in time, an
// instance whose deployment failed, a deadline) stops it where it is:
// mixed versions, outcome failed — unless someone redeploys the previous
// version while the environment is still watched (the bake time): the
// on-call human after their delay, or an alarm or analysis the user
// configured as a trigger. A trigger that fires while the deployment runs
// is the same people or automation acting at once.
func (r *runner) finishManual(a *abort, stopped func(), undo func() error) Result {
	if a == nil || a.fired || a.stuck {
		return r.finish(a, undo)
	}
	r.env.Log.Note("deployment failed: " + a.reason + "; no automatic rollback, the environment keeps both versions")
	if stopped != nil {
		stopped()
	}
	r.env.Log.Phase("failed: watching for a manual redeploy")
	t := r.wait(*r.cfg.BakeTime)
	if t == nil {
		return Result{Outcome: Failed, Trigger: a.trigger, Reason: a.reason}
	}
	t.reason += " → redeploy " + string(r.env.Target.From) + " (the deployment had failed: " + a.reason + ")"
	return r.finish(t, undo)
}

// waitReadyEB waits for n instances of v in g to be healthy in tg, for at
// most the EB timeout; with IgnoreHealthCheck a timeout is let through.
func (r *runner) waitReadyEB(g GroupID, tg TargetGroupID, v Version, n int) *abort {
	end := r.env.Clock.Now() + r.eb.timeout
	timedOut := false
	a := r.until(fmt.Sprintf("%d healthy %s instances in %v", n, v, g), func() bool {
		if k, _ := r.ready(g, tg, v); k >= n {
			return true
		}
		timedOut = r.env.Clock.Now() >= end
		return timedOut
	})
	switch {
	case a != nil:
		return a
	case !timedOut:
		return nil
	case r.eb.ignoreHealthCheck:
		r.env.Log.Note(fmt.Sprintf("%v: instances not healthy within %v: IgnoreHealthCheck, continuing", g, r.eb.timeout))
		return nil
	}
	return failAs(Trigger{Kind: TriggerHealth}, "%d %s instances not healthy within %v", n, v, r.eb.timeout)
}
