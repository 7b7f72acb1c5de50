package strategies

import (
	"errors"
	"fmt"
)

// In-place and replacement mechanics shared by all-at-once, rolling and
// rolling with an additional batch.

// deployWindow deploys v onto ids through the agent keeping at most conc
// deployments in flight, as CodeDeploy does (a new instance starts as soon
// as one finishes), and waits for all.
func (r *runner) deployWindow(ids []InstanceID, v Version, conc int, block bool) *abort {
	queue := ids
	// running is in start order, so that deployments finishing in the same
	// poll are handled in a fixed order (a map's order would make the
	// outcome depend on the run).
	var running []InstanceID
	var bad *abort
	done := 0
	a := r.until(fmt.Sprintf("deployment of %s to %d instances", v, len(ids)), func() bool {
		still := running[:0]
		for k, id := range running {
			st, err := r.env.Agent.DescribeDeploy(id)
			if err != nil {
				bad = fail("describe deploy %v: %v", id, err)
				return true
			}
			switch st.State {
			case DeploySucceeded:
				done++
				r.w.progress()
			case DeployFailed:
				if r.eb != nil && r.eb.ignoreHealthCheck && st.Step == "AllowTraffic" {
					// EB's IgnoreHealthCheck: the batch goes on.
					r.env.Log.Note(fmt.Sprintf("%v not healthy within %v: IgnoreHealthCheck, continuing", id, r.eb.timeout))
					done++
					r.w.progress()
					continue
				}
				r.w.deployFailed(id)
				bad = failAs(Trigger{TriggerLifecycle, st.Step}, "deployment to %v failed at %s: %s", id, st.Step, st.Err)
				running = append(still, running[k+1:]...)
				return true
			default:
				still = append(still, id)
			}
		}
		running = still
		for len(queue) > 0 && len(running) < conc {
			id := queue[0]
			queue = queue[1:]
			o := DeployOptions{BlockTraffic: block}
			if r.eb != nil {
				o.AllowTrafficTimeout = r.eb.timeout
			}
			if err := r.env.Agent.StartDeploy(id, v, o); err != nil {
				if errors.Is(err, ErrNotFound) {
					// The instance is gone (its group replaced it, from the
					// group's launch template); there is nothing to deploy to.
					r.env.Log.Note(fmt.Sprintf("%v is gone: skipped", id))
					done++
					continue
				}
				bad = fail("start deploy on %v: %v", id, err)
				return true
			}
			running = append(running, id)
			r.phasef("deploy %s to %v (%d/%d)", v, id, done+len(running), len(ids))
		}
		return len(running) == 0 && len(queue) == 0
	})
	if a != nil {
		return a
	}
	return bad
}

// settleDeploys waits for in-place deployments still running on ids to
// end (a rollback cannot start a deployment over a running one).
func (r *runner) settleDeploys(ids []InstanceID) *abort {
	return r.until("running deployments to end", func() bool {
		for _, id := range ids {
			if st, err := r.env.Agent.DescribeDeploy(id); err == nil && st.State == DeployInProgress {
				return false
			}
		}
		return true
	})
}

// needsRedeploy returns the instances of g that do not run From in
// service: on the new version, or left stopped by a failed deployment.
func (r *runner) needsRedeploy(g GroupID) ([]InstanceID, error) {
	ins, err := r.live(g)
	if err != nil {
		return nil, err
	}
	var out []InstanceID
	for _, in := range ins {
		st, _ := r.env.Agent.DescribeDeploy(in.ID)
		if in.State == InService && (in.Version != r.env.Target.From || !in.Serving || st.State == DeployFailed) {
			out = append(out, in.ID)
		}
	}
	return out, nil
}

// redeployPrevious is the in-place rollback: a new deployment of the
// previous revision onto every instance that does not run it, batch by
// batch of size batch (conc at a time), taking as long and costing as much
// capacity as a deployment.
func (r *runner) redeployPrevious(g GroupID, conc int, block bool) error {
	// Instances the group launches from now on get the previous version.
	from := r.env.Target.From
	if err := r.env.ASG.UpdateGroup(g, GroupUpdate{Version: &from}); err != nil {
		return err
	}
	all, err := r.live(g)
	if err != nil {
		return err
	}
	if a := r.settleDeploys(ids(all, "")); a != nil {
		return a
	}
	todo, err := r.needsRedeploy(g)
	if err != nil {
		return err
	}
	r.phasef("redeploy %s to %d instances", r.env.Target.From, len(todo))
	if a := r.deployWindow(todo, r.env.Target.From, max(1, conc), block); a != nil {
		return a
	}
	if a := r.followOn(g, from, max(1, conc), block); a != nil {
		return a
	}
	return nil
}

// launchVersion sets the version g launches new instances with.
func (r *runner) launchVersion(g GroupID, v Version) *abort {
	if err := r.env.ASG.UpdateGroup(g, GroupUpdate{Version: &v}); err != nil {
		return fail("%v", err)
	}
	return nil
}

// followOn brings every instance of g to v: those the group launched
// with another version while the deployment ran — a replacement of a
// failed instance, a scale-out — get v through a follow-on deployment, as
// CodeDeploy does for outdated instances (outdatedInstancesStrategy
// UPDATE: "CodeDeploy automatically starts a follow-on deployment
// (immediately after the first) to update any outdated instances").
// Instances still booting are waited for; conc deploy at a time.
func (r *runner) followOn(g GroupID, v Version, conc int, block bool) *abort {
	for {
		ins, err := r.live(g)
		if err != nil {
			return fail("%v", err)
		}
		var todo []InstanceID
		booting := map[InstanceID]bool{}
		for _, in := range ins {
			switch {
			case in.Version == v:
			case in.State == Pending:
				booting[in.ID] = true
			default:
				todo = append(todo, in.ID)
			}
		}
		if len(todo) == 0 && len(booting) == 0 {
			return nil
		}
		if len(todo) == 0 {
			r.phasef("follow-on deployment: waiting for %d outdated instances to boot", len(booting))
			if a := r.until("outdated instances to boot", func() bool {
				now, _ := r.live(g)
				for _, in := range now {
					if booting[in.ID] && in.State == Pending {
						return false
					}
				}
				return true
			}); a != nil {
				return a
			}
			continue
		}
		r.phasef("follow-on deployment of %s to %d outdated instances", v, len(todo))
		if a := r.deployWindow(todo, v, conc, block); a != nil {
			return a
		}
	}
}

// replace moves a service of n instances from group oldG (version oldV)
// to group newG (version newV), both registered in tg, within surge extra
// instances and unavail instances below n — Kubernetes' and ECS's rolling
// update. Instances that are not ready are removed first and do not count
// against unavail.
func (r *runner) replace(oldG, newG GroupID, tg TargetGroupID, oldV, newV Version, n, surge, unavail int) *abort {
	grp, err := r.env.ASG.DescribeGroup(newG)
	if err != nil {
		return fail("%v", err)
	}
	newDesired := grp.Desired
	lastReady := -1
	var bad *abort
	a := r.until(fmt.Sprintf("%d %s instances", n, newV), func() bool {
		old, err1 := r.live(oldG)
		nw, err2 := r.live(newG)
		if err1 != nil || err2 != nil {
			bad = fail("describe groups: %v %v", err1, err2)
			return true
		}
		h := r.healthyTargets(tg)
		isReady := func(in Instance) bool { return in.State == InService && in.Serving && h[in.ID] }
		oldReady, newReady := 0, 0
		for _, in := range old {
			if isReady(in) {
				oldReady++
			}
		}
		for _, in := range nw {
			if isReady(in) && in.Version == newV {
				newReady++
			}
		}
		if newReady > lastReady {
			lastReady = newReady
			r.phasef("%s %d/%d ready", newV, newReady, n)
			r.w.progress()
		}
		if newReady >= n && len(old) == 0 {
			return true
		}
		// Scale up the new side within the surge.
		if want := min(n, newDesired+max(0, n+surge-len(old)-newDesired)); want > newDesired {
			if err := r.setDesired(newG, want); err != nil {
				bad = fail("scale %v: %v", newG, err)
				return true
			}
			newDesired = want
		}
		// Scale down the old side: unready instances freely, ready ones
		// while availability stays at n − unavail.
		canKill := oldReady + newReady - (n - unavail)
		for _, in := range old {
			if !isReady(in) {
				if err := r.terminate(in.ID); err != nil {
					bad = fail("terminate %v: %v", in.ID, err)
					return true
				}
				continue
			}
			if canKill <= 0 {
				continue
			}
			if err := r.terminate(in.ID); err != nil {
				bad = fail("terminate %v: %v", in.ID, err)
				return true
			}
			canKill--
		}
		return false
	})
	if a != nil {
		return a
	}
	return bad
}
