package models

import (
	"github.com/deploysim/deploysim/models/observe"
	"github.com/deploysim/deploysim/sim"
	"github.com/deploysim/deploysim/strategies"
)

// instance is one EC2 instance. Its application process can be up
// (serving) or down independently of the machine: booting, crashed,
// stopped for an in-place deploy.
type instance struct {
	group    int32
	az       int8
	ver      int8
	state    strategies.InstanceState
	serving  bool
	ec2ok    bool // EC2 status checks pass (false once the machine died)
	leaking  bool
	draining int8 // target-group registrations still draining
	regs     int8 // target-group registrations, draining ones included
	// gen counts the application's starts and stops; boot, crash and
	// restart events carry it so that one for an earlier life is ignored.
	gen      uint32
	launched sim.Time
	upSince  sim.Time
	// Requests on the instance: in service (doubly linked through the
	// request slab) and waiting (FIFO, linked the same way).
	inflight, qLen int32
	svcHead        int32
	qHead, qTail   int32
	// terminateAfterDrain: the instance is terminating and shuts down as
	// soon as its last registration has drained.
	terminateAfterDrain bool
	deploy              strategies.DeployStatus
	// signaled: the instance's bootstrap sent its cfn-signal success, at
	// signalAt (launched instances only, when their application first
	// came up).
	signaled bool
	signalAt sim.Time
}

// launch creates an instance of group g. A ready instance (the initial
// fleet) is in service at once; any other boots first.
func (w *World) launch(g int, ready bool) int32 {
	gr := &w.groups[g]
	id := int32(len(w.insts))
	w.insts = append(w.insts, instance{
		group: int32(g), az: w.pickAZ(gr), ver: gr.ver, state: strategies.Pending,
		ec2ok: true, launched: w.s.Now(), svcHead: -1, qHead: -1, qTail: -1,
	})
	gr.members = append(gr.members, id)
	if ready {
		w.insts[id].state = strategies.InService
		w.startApp(id)
		return id
	}
	boot := sample(w.rInfra, w.versions[gr.ver].spec.BootTime)
	w.s.After(boot, w.kBoot, int64(id), int64(w.insts[id].gen))
	return id
}

// pickAZ balances a group over the zones that are up: the zone with the
// fewest live instances of the group, the first such in configuration
// order.
func (w *World) pickAZ(gr *group) int8 {
	counts := make([]int, len(w.cfg.AZs))
	for _, m := range gr.members {
		if w.insts[m].state < strategies.Terminating {
			counts[w.insts[m].az]++
		}
	}
	best := int8(-1)
	for az := range w.cfg.AZs {
		if w.faults.azDown[az] {
			continue
		}
		if best < 0 || counts[az] < counts[best] {
			best = int8(az)
		}
	}
	if best < 0 {
		return 0 // every zone down: launches land nowhere useful (see reconcile)
	}
	return best
}

// booted: the instance finished booting and its application serves.
func (w *World) booted(a, b int64) {
	in := &w.insts[a]
	if uint32(b) != in.gen || in.state != strategies.Pending {
		return
	}
	if !in.ec2ok {
		return // died while booting; the group replaces it
	}
	in.state = strategies.InService
	in.signaled, in.signalAt = true, w.s.Now()
	w.startApp(int32(a))
	gr := &w.groups[in.group]
	if gr.running("AddToLoadBalancer") {
		for _, tg := range gr.tgs {
			w.registerTarget(int(tg), int32(a), false)
		}
	}
	w.changed.Notify()
}

// startApp brings the application up on instance i and arms its crash and
// leak behaviour.
func (w *World) startApp(i int32) {
	in := &w.insts[i]
	in.gen++
	in.serving = true
	in.leaking = false
	in.upSince = w.s.Now()
	spec := &w.versions[in.ver].spec
	if spec.CrashAfter.Mean > 0 {
		w.s.After(sample(w.rInfra, spec.CrashAfter), w.kCrash, int64(i), int64(in.gen)<<1)
	}
	if spec.LeakAfter > 0 {
		w.s.After(spec.LeakAfter, w.kCrash, int64(i), int64(in.gen)<<1|1)
	}
}

// stopApp takes the application down: every request on the instance fails
// with cause (connection_reset when it dies under them).
func (w *World) stopApp(i int32, cause observe.Cause) {
	in := &w.insts[i]
	in.gen++
	in.serving = false
	in.leaking = false
	w.failAll(i, cause)
}

// crash: b = gen<<1 | leak. A leak either degrades the process or, with
// LeakCrash, kills it like a crash (out of memory).
func (w *World) crash(a, b int64) {
	in := &w.insts[a]
	if uint32(b>>1) != in.gen || !in.serving {
		return
	}
	spec := &w.versions[in.ver].spec
	if b&1 == 1 && !spec.LeakCrash {
		in.leaking = true
		return
	}
	w.stopApp(int32(a), observe.CauseConnectionReset)
	if gr := &w.groups[in.group]; gr.replaceOnExit {
		// ECS stops a task whose essential container exited; the service
		// scheduler starts a new task in its place.
		w.mark("asg", "%s: task %v stopped (essential container exited)", gr.name, strategies.InstanceID(a))
		w.terminate(int32(a))
		w.s.After(0, w.kReconcile, int64(in.group), 0)
		return
	}
	w.s.After(spec.RestartTime, w.kRestart, a, int64(in.gen))
}

// restart: the supervisor brings a crashed process back.
func (w *World) restart(a, b int64) {
	in := &w.insts[a]
	if uint32(b) != in.gen || in.serving || in.state != strategies.InService || !in.ec2ok {
		return
	}
	if in.deploy.State == strategies.DeployInProgress {
		return // the deployment owns the process now
	}
	w.startApp(int32(a))
	w.changed.Notify()
}

// die: the machine is gone (a fault): requests fail, health checks fail,
// EC2 status fails; the group notices at its next health check.
func (w *World) die(i int32) {
	in := &w.insts[i]
	if in.state >= strategies.Terminating || !in.ec2ok {
		return
	}
	in.ec2ok = false
	if in.serving {
		w.stopApp(i, observe.CauseConnectionReset)
	} else {
		in.gen++ // a boot in progress never completes
	}
	w.changed.Notify()
}

// terminate begins shutting instance i down: it is deregistered from its
// target groups first and shuts down when they have drained (Auto Scaling
// waits for the deregistration delay), or at once when it is registered
// nowhere or already dead.
func (w *World) terminate(i int32) {
	in := &w.insts[i]
	if in.state >= strategies.Terminating {
		return
	}
	in.state = strategies.Terminating
	w.changed.Notify()
	if in.ec2ok && in.serving {
		w.deregisterEverywhere(i)
		if in.draining > 0 {
			in.terminateAfterDrain = true
			return
		}
	}
	w.s.After(0, w.kShutdown, int64(i), 0)
}

// shutdown completes a termination.
func (w *World) shutdown(a, _ int64) {
	i := int32(a)
	in := &w.insts[i]
	if in.state == strategies.Terminated {
		return
	}
	if in.serving {
		w.stopApp(i, observe.CauseConnectionReset)
	}
	in.gen++
	in.state = strategies.Terminated
	in.ec2ok = false
	w.removeEverywhere(i)
	gr := &w.groups[in.group]
	for k, m := range gr.members {
		if m == i {
			gr.members = append(gr.members[:k], gr.members[k+1:]...)
			break
		}
	}
	w.changed.Notify()
}

func (w *World) describeInstance(i int32) strategies.Instance {
	in := &w.insts[i]
	return strategies.Instance{
		ID:      strategies.InstanceID(i),
		Group:   strategies.GroupID(in.group),
		AZ:      w.cfg.AZs[in.az],
		Version: strategies.Version(w.versions[in.ver].spec.Name),
		State:   in.state,
		Healthy: w.asgHealthy(i),
		Serving: in.serving,
	}
}
