package sim

import "time"

// Timer is a handle to a cancelable event. The zero Timer refers to no
// event; cancelling it is a no-op.
type Timer struct {
	slot uint32
	gen  uint32
}

// timerSlot tracks one cancelable event. The slot stays taken while its
// event is in the queue, so a stale handle is told apart by gen alone and
// cancelling never touches the queue (lazy deletion): the event is dropped
// when it reaches the front.
type timerSlot struct {
	gen       uint32
	cancelled bool
}

// AtTimer is At returning a handle that can cancel the event.
func (s *Sim) AtTimer(t Time, k Kind, a, b int64) Timer {
	s.check(t, k)
	var slot uint32
	if n := len(s.freeTimers); n > 0 {
		slot = s.freeTimers[n-1]
		s.freeTimers = s.freeTimers[:n-1]
	} else {
		slot = uint32(len(s.timers))
		s.timers = append(s.timers, timerSlot{gen: 1})
	}
	s.q.push(event{at: t, a: a, b: b, kind: k, timer: slot})
	return Timer{slot: slot, gen: s.timers[slot].gen}
}

// AfterTimer is After returning a handle that can cancel the event.
func (s *Sim) AfterTimer(d time.Duration, k Kind, a, b int64) Timer {
	return s.AtTimer(s.now+Time(d), k, a, b)
}

// Cancel stops the event behind t from running. It reports whether it did:
// false when the event already ran, was already cancelled, or t is zero.
func (s *Sim) Cancel(t Timer) bool {
	if t.slot == 0 || int(t.slot) >= len(s.timers) {
		return false
	}
	ts := &s.timers[t.slot]
	if ts.gen != t.gen || ts.cancelled {
		return false
	}
	ts.cancelled = true
	return true
}

// Active reports whether the event behind t is still pending.
func (s *Sim) Active(t Timer) bool {
	if t.slot == 0 || int(t.slot) >= len(s.timers) {
		return false
	}
	ts := &s.timers[t.slot]
	return ts.gen == t.gen && !ts.cancelled
}

// releaseTimer frees the slot of an event leaving the queue and reports
// whether that event had been cancelled.
func (s *Sim) releaseTimer(slot uint32) (cancelled bool) {
	ts := &s.timers[slot]
	cancelled = ts.cancelled
	ts.gen++
	if ts.gen == 0 { // wrapped: skip the zero generation
		ts.gen = 1
	}
	ts.cancelled = false
	s.freeTimers = append(s.freeTimers, slot)
	return cancelled
}
