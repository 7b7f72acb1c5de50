package models

import (
	"context"
	"strings"
	"time"

	"github.com/deploysim/deploysim/models/observe"
	"github.com/deploysim/deploysim/sim"
	"github.com/deploysim/deploysim/strategies"
)

// settle measures on after the strategy's end: for at least least, then
// until the world is quiet, checked at the end of every observation slot,
// for at most limit after the end. What the cap cut short is kept for the
// result.
func (w *World) settle(ctx context.Context, least, limit time.Duration) error {
	end := w.s.Now()
	if err := w.run(ctx, end.Add(least)); err != nil {
		return err
	}
	stop := end.Add(limit)
	slot := w.meter.slot
	for {
		why := w.unsettled()
		if len(why) == 0 {
			return nil
		}
		now := w.s.Now()
		if now >= stop {
			w.meter.cutOff = strings.Join(why, "; ")
			return nil
		}
		next := sim.Time((now.Duration()/slot + 1) * slot)
		if err := w.run(ctx, min(next, stop)); err != nil {
			return err
		}
	}
}

// unsettled lists what keeps the world from being quiet, i.e. what may
// still cause the deployment harm: a rollback that has not yet served
// users again, cached DNS answers that lead to an environment the records
// no longer send anyone to, instances launching, draining or terminating
// (or a group short of its desired count), and requests refused, reset or
// left without a healthy target in the last observation slot.
func (w *World) unsettled() []string {
	var why []string
	m := &w.meter
	if m.rollbackAt >= 0 && m.recovered < 0 && len(m.timeline) > 0 {
		what, _ := m.unrestored(&m.timeline[len(m.timeline)-1])
		why = append(why, "the rollback has not restored service: "+what)
	}
	if w.staleAnswers() > 0 {
		why = append(why, "cached DNS answers still lead to a terminated or retired environment")
	}
	if w.fleetsMoving() {
		why = append(why, "instances still launching, draining or terminating")
	}
	last := m.window(strategies.Scope{}, 1)
	if last.ByCause[observe.CauseRefused]+last.ByCause[observe.CauseConnectionReset]+last.ByCause[observe.CauseNoHealthyTarget] > 0 {
		why = append(why, "requests still refused, reset or without a healthy target")
	}
	return why
}

// fleetsMoving reports whether some group is short of its desired count or
// has an instance pending or terminating, or some target is registering
// or draining.
func (w *World) fleetsMoving() bool {
	for i := range w.insts {
		if st := w.insts[i].state; st == strategies.Pending || st == strategies.Terminating {
			return true
		}
	}
	for g := range w.groups {
		gr := &w.groups[g]
		if gr.deleted {
			continue
		}
		active := 0
		for _, i := range gr.members {
			if w.insts[i].state == strategies.InService {
				active++
			}
		}
		if active < gr.desired {
			return true
		}
	}
	for tg := range w.tgs {
		if w.tgs[tg].deleted {
			continue
		}
		for _, t := range w.tgs[tg].targets {
			if t.state == strategies.TargetInitial || t.state == strategies.TargetDraining {
				return true
			}
		}
	}
	return false
}

// routed returns the versions (bit v for version v) the live configuration
// sends new requests to: instances routable in a target group that a load
// balancer among the current DNS answers forwards to with a non-zero
// weight. Cached answers are not included: unsettled waits for them.
func (w *World) routed() uint32 {
	var mask uint32
	for _, lb := range w.dns.ansLB {
		if lb < 0 || w.lbs[lb].deleted {
			continue
		}
		for _, f := range w.lbs[lb].fwd {
			if f.Weight == 0 {
				continue
			}
			for _, i := range w.tgs[f.TargetGroup].routable {
				mask |= 1 << uint(w.insts[i].ver)
			}
		}
	}
	return mask
}
