package models

import (
	"fmt"
	"time"

	"github.com/deploysim/deploysim/sim"
	"github.com/deploysim/deploysim/strategies"
)

// targetGroup is an ELBv2 target group.
type targetGroup struct {
	name    string
	targets []target
	// routable are the instances new requests may go to: the healthy
	// targets, or, when none is healthy, every registered target that is
	// not draining (fail open). Rebuilt on every state change.
	routable []int32
	rr       uint32
	slow     bool // some routable target is in slow start
	deleted  bool
	// lastVer is the version of the target registered last (-1: none), the
	// group's version once its targets are all gone.
	lastVer int8
}

type target struct {
	inst       int32
	state      strategies.TargetState
	ok, bad    int8 // consecutive passes and failures
	gen        uint32
	healthyAt  sim.Time
	drainTimer sim.Timer
}

// loadBalancer is an ALB with one listener.
type loadBalancer struct {
	cname   string
	fwd     []strategies.Forward
	cum     []int32 // cumulative weights of fwd
	total   int32
	deleted bool
	// ver is the version a deleted load balancer served: clients still
	// sent to it are refused on that version's account (-1: none).
	ver int8
}

// lbVersion is the version most of a load balancer's forwarded targets
// run (the lowest on a tie; -1 when it has none).
func (w *World) lbVersion(l *loadBalancer) int8 {
	var n [maxVersions]int
	for _, f := range l.fwd {
		if f.Weight == 0 {
			continue
		}
		for _, t := range w.tgs[f.TargetGroup].targets {
			n[w.insts[t.inst].ver]++
		}
	}
	best := int8(-1)
	for v := range n {
		if n[v] > 0 && (best < 0 || n[v] > n[best]) {
			best = int8(v)
		}
	}
	if best < 0 {
		// Every target already left (an environment whose instances
		// drained before its load balancer went): the version it ran.
		for _, f := range l.fwd {
			if f.Weight > 0 && w.tgs[f.TargetGroup].lastVer >= 0 {
				return w.tgs[f.TargetGroup].lastVer
			}
		}
	}
	return best
}

func (w *World) newTargetGroup(name string) int {
	w.tgs = append(w.tgs, targetGroup{name: name, lastVer: -1})
	w.meter.addTargetGroup()
	return len(w.tgs) - 1
}

func (w *World) newLoadBalancer(cname string, tg int) int {
	w.lbs = append(w.lbs, loadBalancer{cname: cname, ver: -1})
	lb := len(w.lbs) - 1
	w.setListener(lb, []strategies.Forward{{TargetGroup: strategies.TargetGroupID(tg), Weight: 1}})
	return lb
}

func (w *World) setListener(lb int, fwd []strategies.Forward) {
	l := &w.lbs[lb]
	l.fwd = append(l.fwd[:0], fwd...)
	l.cum = l.cum[:0]
	l.total = 0
	for _, f := range fwd {
		l.total += int32(f.Weight)
		l.cum = append(l.cum, l.total)
	}
}

// pickTargetGroup chooses a target group by the listener's weights; -1
// when every weight is zero or there is none.
func (w *World) pickTargetGroup(lb *loadBalancer) int32 {
	if lb.total <= 0 {
		return -1
	}
	if len(lb.fwd) == 1 {
		return int32(lb.fwd[0].TargetGroup)
	}
	x := w.rRoute.Int32N(lb.total)
	for k, c := range lb.cum {
		if x < c {
			return int32(lb.fwd[k].TargetGroup)
		}
	}
	return -1
}

// pickTarget chooses an instance of target group tg for user u: the
// sticky target while it is routable, else by the algorithm.
func (w *World) pickTarget(tg int32, u int32) int32 {
	g := &w.tgs[tg]
	n := len(g.routable)
	if n == 0 {
		return -1
	}
	us := &w.users[u]
	stick := w.cfg.LB.Stickiness > 0
	now := w.s.Now()
	if stick && us.stickyTG == tg && us.stickyExp > now && w.isRoutable(g, us.sticky) {
		return us.sticky
	}
	var i int32
	if w.cfg.LB.Algorithm == "least_outstanding_requests" {
		i = g.routable[0]
		best := w.insts[i].inflight + w.insts[i].qLen
		for _, j := range g.routable[1:] {
			if o := w.insts[j].inflight + w.insts[j].qLen; o < best {
				i, best = j, o
			}
		}
	} else {
		i = g.routable[g.rr%uint32(n)]
		g.rr++
		if g.slow {
			// Slow start: a target still ramping up takes its turn with
			// probability elapsed/SlowStart; otherwise the next one does.
			for k := 0; k < n && !w.rampAccepts(g, i); k++ {
				i = g.routable[g.rr%uint32(n)]
				g.rr++
			}
		}
	}
	if stick {
		us.sticky, us.stickyTG, us.stickyExp = i, tg, now.Add(w.cfg.LB.Stickiness)
	}
	return i
}

func (w *World) isRoutable(g *targetGroup, i int32) bool {
	for _, j := range g.routable {
		if j == i {
			return true
		}
	}
	return false
}

func (w *World) rampAccepts(g *targetGroup, i int32) bool {
	for k := range g.targets {
		t := &g.targets[k]
		if t.inst != i {
			continue
		}
		el := w.s.Now().Sub(t.healthyAt)
		if t.state != strategies.TargetHealthy || el >= w.cfg.LB.SlowStart {
			return true
		}
		return w.rRoute.Float64()*float64(w.cfg.LB.SlowStart) < float64(el)
	}
	return true
}

// rebuild recomputes the routable set of a target group.
func (w *World) rebuild(tg int) {
	g := &w.tgs[tg]
	g.routable = g.routable[:0]
	g.slow = false
	now := w.s.Now()
	for k := range g.targets {
		t := &g.targets[k]
		if t.state == strategies.TargetHealthy {
			g.routable = append(g.routable, t.inst)
			if w.cfg.LB.SlowStart > 0 && now.Sub(t.healthyAt) < w.cfg.LB.SlowStart {
				g.slow = true
			}
		}
	}
	if len(g.routable) > 0 {
		return
	}
	for k := range g.targets { // fail open
		if s := g.targets[k].state; s == strategies.TargetUnhealthy || s == strategies.TargetInitial {
			g.routable = append(g.routable, g.targets[k].inst)
		}
	}
}

func (w *World) findTarget(tg int, i int32) int {
	for k := range w.tgs[tg].targets {
		if w.tgs[tg].targets[k].inst == i {
			return k
		}
	}
	return -1
}

func (w *World) targetState(tg int, i int32) (strategies.TargetState, bool) {
	if k := w.findTarget(tg, i); k >= 0 {
		return w.tgs[tg].targets[k].state, true
	}
	return strategies.TargetUnused, false
}

// registerTarget adds instance i to tg in state initial (healthy at once
// for the initial fleet) and starts its health checks at a random phase of
// the interval, as the load balancer's checkers are not synchronised with
// registrations.
func (w *World) registerTarget(tg int, i int32, healthy bool) {
	g := &w.tgs[tg]
	if k := w.findTarget(tg, i); k >= 0 {
		t := &g.targets[k]
		if t.state != strategies.TargetDraining {
			return // already registered
		}
		// Re-registering a draining target: it leaves draining.
		w.s.Cancel(t.drainTimer)
		w.insts[i].draining--
		w.insts[i].regs--
		g.targets = append(g.targets[:k], g.targets[k+1:]...)
	}
	t := target{inst: i, state: strategies.TargetInitial, gen: w.nextGen()}
	if healthy {
		t.state = strategies.TargetHealthy
		t.healthyAt = w.s.Now() - sim.Time(w.cfg.LB.SlowStart) - 1
	}
	g.targets = append(g.targets, t)
	g.lastVer = w.insts[i].ver
	w.insts[i].regs++
	iv := w.cfg.LB.HealthCheck.Interval
	w.s.After(time.Duration(w.rHealth.Int64N(int64(iv))), w.kHealth, int64(tg), int64(i)<<32|int64(t.gen))
	w.rebuild(tg)
	w.changed.Notify()
}

func (w *World) nextGen() uint32 {
	w.genCounter++
	return w.genCounter
}

// healthCheck runs one check of a target: a = target group, b = instance
// << 32 | registration generation.
func (w *World) healthCheck(a, b int64) {
	tg, i, gen := int(a), int32(b>>32), uint32(b)
	k := w.findTarget(tg, i)
	if k < 0 {
		return
	}
	g := &w.tgs[tg]
	t := &g.targets[k]
	if t.gen != gen || t.state == strategies.TargetDraining {
		return
	}
	hc := &w.cfg.LB.HealthCheck
	w.s.After(hc.Interval, w.kHealth, a, b)
	in := &w.insts[i]
	pass := in.serving && in.ec2ok
	if pass {
		p := w.versions[in.ver].spec.HealthCheckFailRate + w.faults.hcFail[in.ver]
		pass = p <= 0 || w.rHealth.Float64() >= p
	}
	before := t.state
	if pass {
		t.bad = 0
		t.ok++
		if t.state == strategies.TargetInitial || (t.state == strategies.TargetUnhealthy && int(t.ok) >= hc.HealthyThreshold) {
			t.state = strategies.TargetHealthy
			t.healthyAt = w.s.Now()
		}
	} else {
		t.ok = 0
		t.bad++
		if t.state != strategies.TargetUnhealthy && int(t.bad) >= hc.UnhealthyThreshold {
			t.state = strategies.TargetUnhealthy
		}
	}
	if t.ok > 100 {
		t.ok = 100
	}
	if t.bad > 100 {
		t.bad = 100
	}
	if t.state != before {
		w.rebuild(tg)
		w.changed.Notify()
	}
}

// deregisterTarget starts draining i in tg. Draining ends when the instance
// has no request in flight or after the deregistration delay.
func (w *World) deregisterTarget(tg int, i int32) {
	k := w.findTarget(tg, i)
	if k < 0 {
		return
	}
	t := &w.tgs[tg].targets[k]
	if t.state == strategies.TargetDraining {
		return
	}
	t.state = strategies.TargetDraining
	t.gen = w.nextGen()
	in := &w.insts[i]
	in.draining++
	w.rebuild(tg)
	if in.inflight+in.qLen == 0 || !in.serving || w.cfg.LB.DeregistrationDelay == 0 {
		w.removeTarget(tg, i)
	} else {
		t.drainTimer = w.s.AfterTimer(w.cfg.LB.DeregistrationDelay, w.kDrain, int64(tg), int64(i)<<32|int64(t.gen))
	}
	w.changed.Notify()
}

func (w *World) deregisterEverywhere(i int32) {
	for tg := range w.tgs {
		w.deregisterTarget(tg, i)
	}
}

// drainTimeout ends a drain at the deregistration delay.
func (w *World) drainTimeout(a, b int64) {
	tg, i, gen := int(a), int32(b>>32), uint32(b)
	if k := w.findTarget(tg, i); k >= 0 && w.tgs[tg].targets[k].gen == gen {
		w.removeTarget(tg, i)
	}
}

// drained is called when instance i has no more requests: every drain of
// it completes early, as ALB does for a target with nothing in flight.
func (w *World) drained(i int32) {
	for tg := range w.tgs {
		if k := w.findTarget(tg, i); k >= 0 && w.tgs[tg].targets[k].state == strategies.TargetDraining {
			w.removeTarget(tg, i)
		}
	}
}

// removeTarget takes i out of tg for good.
func (w *World) removeTarget(tg int, i int32) {
	g := &w.tgs[tg]
	k := w.findTarget(tg, i)
	if k < 0 {
		return
	}
	t := g.targets[k]
	w.s.Cancel(t.drainTimer)
	g.targets = append(g.targets[:k], g.targets[k+1:]...)
	in := &w.insts[i]
	in.regs--
	if t.state == strategies.TargetDraining {
		in.draining--
	}
	w.rebuild(tg)
	w.changed.Notify()
	if in.terminateAfterDrain && in.draining == 0 {
		in.terminateAfterDrain = false
		w.s.After(0, w.kShutdown, int64(i), 0)
	}
}

func (w *World) removeEverywhere(i int32) {
	for tg := range w.tgs {
		w.removeTarget(tg, i)
	}
}

func (w *World) targetGroup(id strategies.TargetGroupID) (*targetGroup, error) {
	if int(id) < 0 || int(id) >= len(w.tgs) || w.tgs[id].deleted {
		return nil, fmt.Errorf("target group %v: %w", id, strategies.ErrNotFound)
	}
	return &w.tgs[id], nil
}

func (w *World) loadBalancer(id strategies.LoadBalancerID) (*loadBalancer, error) {
	if int(id) < 0 || int(id) >= len(w.lbs) || w.lbs[id].deleted {
		return nil, fmt.Errorf("load balancer %v: %w", id, strategies.ErrNotFound)
	}
	return &w.lbs[id], nil
}

// healthyTargets counts targets of tg in state healthy whose instance
// serves.
func (w *World) healthyTargets(tg int) int {
	n := 0
	for _, t := range w.tgs[tg].targets {
		if t.state == strategies.TargetHealthy && w.insts[t.inst].serving {
			n++
		}
	}
	return n
}
