package models

import (
	"fmt"
	"time"

	"github.com/deploysim/deploysim/sim"
	"github.com/deploysim/deploysim/strategies"
)

// group is an Auto Scaling group.
type group struct {
	name              string
	ver               int8
	desired, min, max int
	tgs               []int32
	hcELB             bool
	grace             time.Duration
	replaceOnExit     bool // ECS service semantics: a task that exits is replaced
	deleted           bool
	members           []int32 // instances not yet terminated
	retryAt           sim.Time
	launchFailures    int
	// suspended holds the Auto Scaling processes suspended on the group
	// (bits of processBit).
	suspended uint16
}

// processes are the Auto Scaling process names; a group's suspended set
// holds one bit per name. AZRebalance, AlarmNotification,
// ScheduledActions and InstanceRefresh have no activity in this world
// (no rebalancing, scaling policies, schedules or refreshes of its own),
// so suspending them changes nothing.
var processes = []string{"Launch", "Terminate", "AddToLoadBalancer", "AlarmNotification",
	"AZRebalance", "HealthCheck", "InstanceRefresh", "ReplaceUnhealthy", "ScheduledActions"}

// processBit returns the bit of a process name, or 0 for an unknown one.
func processBit(name string) uint16 {
	for k, p := range processes {
		if p == name {
			return 1 << k
		}
	}
	return 0
}

// running reports whether process name is not suspended on the group.
func (gr *group) running(name string) bool { return gr.suspended&processBit(name) == 0 }

func (w *World) newGroup(spec strategies.GroupSpec) int {
	g := group{
		name: spec.Name, ver: w.versionOf(spec.Version),
		desired: spec.Desired, min: spec.Min, max: spec.Max,
		hcELB: spec.HealthCheckType == "ELB", grace: spec.HealthCheckGracePeriod,
		replaceOnExit: spec.ReplaceOnExit,
	}
	if spec.HealthCheckType == "" {
		g.hcELB = w.cfg.ASG.HealthCheckType == "ELB"
	}
	if g.grace == 0 {
		g.grace = w.cfg.ASG.HealthCheckGracePeriod
	}
	for _, tg := range spec.TargetGroups {
		g.tgs = append(g.tgs, int32(tg))
	}
	w.groups = append(w.groups, g)
	id := len(w.groups) - 1
	// Groups check themselves on a fixed cadence, offset so that groups
	// created at the same moment do not all check at once.
	off := time.Duration(w.rInfra.Int64N(int64(w.cfg.ASG.ReconcileInterval)))
	w.s.After(off, w.kReconcile, int64(id), 1)
	return id
}

// asgHealthy is the group's view of an instance: EC2 status, and with
// health-check type ELB also the target groups' verdict once the grace
// period has passed.
func (w *World) asgHealthy(i int32) bool {
	in := &w.insts[i]
	if !in.ec2ok {
		return false
	}
	gr := &w.groups[in.group]
	if !gr.hcELB || in.state != strategies.InService || w.s.Now().Sub(in.launched) < gr.grace {
		return true
	}
	for _, tg := range gr.tgs {
		if st, ok := w.targetState(int(tg), i); ok && st == strategies.TargetUnhealthy {
			return false
		}
	}
	return true
}

// reconcile is one pass of a group: replace unhealthy instances, then
// launch or terminate toward the desired capacity. b == 1 marks the
// recurring pass, which schedules the next; 0 is an extra pass requested by
// an API call.
func (w *World) reconcile(a, b int64) {
	g := int(a)
	gr := &w.groups[g]
	if gr.deleted {
		return
	}
	if b == 1 {
		w.s.After(w.cfg.ASG.ReconcileInterval, w.kReconcile, a, 1)
	}
	// Health checks and the replacement of unhealthy instances stop while
	// HealthCheck, ReplaceUnhealthy or Terminate is suspended.
	replace := gr.running("HealthCheck") && gr.running("ReplaceUnhealthy") && gr.running("Terminate")
	for _, i := range append([]int32(nil), gr.members...) {
		in := &w.insts[i]
		if in.state == strategies.Pending && !in.ec2ok {
			w.terminate(i)
			continue
		}
		if replace && in.state == strategies.InService && !w.asgHealthy(i) {
			w.mark("asg", "%s replaces unhealthy %v", gr.name, strategies.InstanceID(i))
			w.terminate(i)
		}
	}
	active := 0
	for _, i := range gr.members {
		if w.insts[i].state < strategies.Terminating {
			active++
		}
	}
	for ; active < gr.desired && gr.running("Launch"); active++ {
		if w.s.Now() < gr.retryAt {
			break
		}
		if w.launchFails(gr) {
			gr.launchFailures++
			gr.retryAt = w.s.Now().Add(w.cfg.ASG.LaunchRetry)
			w.mark("asg", "%s: launch failed (insufficient capacity)", gr.name)
			break
		}
		w.launch(g, false)
	}
	if active > gr.desired && gr.running("Terminate") {
		for _, i := range w.scaleInOrder(gr, active-gr.desired) {
			w.terminate(i)
		}
	}
	w.changed.Notify()
}

func (w *World) launchFails(gr *group) bool {
	p := w.cfg.ASG.LaunchFailureRate + w.faults.launchFail
	allDown := true
	for az := range w.cfg.AZs {
		allDown = allDown && w.faults.azDown[az]
	}
	return allDown || (p > 0 && w.rInfra.Float64() < p)
}

// scaleInOrder picks n instances to terminate, as the default termination
// policy does: from the zone with the most instances, those on an older
// launch template (another version) first, then the oldest.
func (w *World) scaleInOrder(gr *group, n int) []int32 {
	var out []int32
	taken := map[int32]bool{}
	for range n {
		counts := make([]int, len(w.cfg.AZs))
		for _, i := range gr.members {
			if in := &w.insts[i]; in.state < strategies.Terminating && !taken[i] {
				counts[in.az]++
			}
		}
		best := int32(-1)
		better := func(i, j int32) bool {
			a, b := &w.insts[i], &w.insts[j]
			if counts[a.az] != counts[b.az] {
				return counts[a.az] > counts[b.az]
			}
			if (a.ver != gr.ver) != (b.ver != gr.ver) {
				return a.ver != gr.ver
			}
			if (a.state == strategies.Pending) != (b.state == strategies.Pending) {
				return a.state == strategies.Pending
			}
			return a.launched < b.launched || (a.launched == b.launched && i < j)
		}
		for _, i := range gr.members {
			if w.insts[i].state >= strategies.Terminating || taken[i] {
				continue
			}
			if best < 0 || better(i, best) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		taken[best] = true
		out = append(out, best)
	}
	return out
}

func (w *World) group(id strategies.GroupID) (*group, error) {
	if int(id) < 0 || int(id) >= len(w.groups) || w.groups[id].deleted {
		return nil, fmt.Errorf("auto scaling group %v: %w", id, strategies.ErrNotFound)
	}
	return &w.groups[id], nil
}
