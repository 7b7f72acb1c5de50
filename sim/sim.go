package sim

import (
	"context"
	"fmt"
	"time"
)

// Kind names a registered handler. Kinds are small integers handed out by
// Sim.Register in registration order.
type Kind uint32

// Handler is a hot-path callback. It receives the two integer arguments the
// event was scheduled with — typically indexes into the model's own slices —
// and reads the current time from the Sim.
type Handler func(a, b int64)

// Sim is one simulation run: a virtual clock, the pending events, the
// registered handlers and the processes. A Sim is single-threaded; it must
// not be used from more than one goroutine at a time. Independent runs use
// independent Sims, which is how replications run in parallel.
type Sim struct {
	now      Time
	q        queue
	handlers []Handler
	events   uint64
	stopped  bool

	timers     []timerSlot
	freeTimers []uint32

	procs    []*Proc
	cur      *Proc
	kResume  Kind
	ctxEvery uint64
}

// New returns an empty simulation at time zero.
func New() *Sim {
	s := &Sim{timers: make([]timerSlot, 1), ctxEvery: 1024}
	s.kResume = s.Register(s.resume)
	return s
}

// Register adds a handler and returns the Kind that schedules it.
// Register models' handlers once, before the run; the returned Kind is only
// meaningful for this Sim.
func (s *Sim) Register(h Handler) Kind {
	if h == nil {
		panic("sim: Register(nil)")
	}
	s.handlers = append(s.handlers, h)
	return Kind(len(s.handlers) - 1)
}

// Now returns the current virtual time.
func (s *Sim) Now() Time { return s.now }

// Events returns the number of events dispatched so far (cancelled events
// are not counted).
func (s *Sim) Events() uint64 { return s.events }

// Pending returns the number of scheduled events, including cancelled
// events that have not yet reached the front of the queue.
func (s *Sim) Pending() int { return s.q.len() }

// At schedules handler k with arguments a and b at time t, which must not be
// in the past. Events at equal times run in the order they were scheduled.
func (s *Sim) At(t Time, k Kind, a, b int64) {
	s.check(t, k)
	s.q.push(event{at: t, a: a, b: b, kind: k})
}

// After schedules handler k with arguments a and b d after now; d must not
// be negative.
func (s *Sim) After(d time.Duration, k Kind, a, b int64) {
	s.At(s.now+Time(d), k, a, b)
}

func (s *Sim) check(t Time, k Kind) {
	if t < s.now {
		Bug("event of kind %d scheduled at %v, before now (%v)", k, t, s.now)
	}
	if int(k) >= len(s.handlers) {
		Bug("event of unregistered kind %d", k)
	}
}

// Stop makes the current Run call return after the event being dispatched.
func (s *Sim) Stop() { s.stopped = true }

// Step dispatches the earliest pending event and reports whether there was
// one. Cancelled timers are discarded without advancing the clock.
func (s *Sim) Step() bool { return s.stepUntil(Never) }

// stepUntil dispatches the earliest pending event if it is at or before
// limit, discarding cancelled events on the way, and reports whether it did.
func (s *Sim) stepUntil(limit Time) bool {
	for {
		if !s.q.settle() || s.q.last > limit {
			return false
		}
		e := s.q.take()
		if e.timer != 0 && s.releaseTimer(e.timer) {
			continue
		}
		s.now = e.at
		s.events++
		s.handlers[e.kind](e.a, e.b)
		return true
	}
}

// Run dispatches events until none is left or Stop is called.
func (s *Sim) Run() { s.RunUntil(Never) }

// RunUntil dispatches every event at or before limit, in order, then moves
// the clock to limit (unless limit is Never or Stop was called). Events
// scheduled after limit stay pending for a later call.
func (s *Sim) RunUntil(limit Time) {
	s.stopped = false
	for !s.stopped && s.stepUntil(limit) {
	}
	if !s.stopped && limit != Never && limit > s.now {
		s.now = limit
	}
}

// RunUntilFunc dispatches events until done returns true (checked before
// the first event and after each one), the queue is empty, the clock would
// pass limit, or Stop is called. It reports whether done returned true.
func (s *Sim) RunUntilFunc(limit Time, done func() bool) bool {
	s.stopped = false
	for !s.stopped {
		if done() {
			return true
		}
		if !s.stepUntil(limit) {
			break
		}
	}
	return done()
}

// RunContext is RunUntil that also returns when ctx is cancelled, checking
// it every 1024 events so that the check costs nothing measurable. It
// returns ctx.Err() if the run was cut short by the context, else nil.
func (s *Sim) RunContext(ctx context.Context, limit Time) error {
	s.stopped = false
	done := ctx.Done()
	for n := uint64(0); !s.stopped; n++ {
		if n%s.ctxEvery == 0 && done != nil {
			select {
			case <-done:
				return ctx.Err()
			default:
			}
		}
		if !s.stepUntil(limit) {
			break
		}
	}
	if !s.stopped && limit != Never && limit > s.now {
		s.now = limit
	}
	return nil
}

// Bug reports a broken invariant of the simulation. Such a state is a
// programming error, never an input error: it panics with a message that
// says what broke, so that no run limps on with wrong numbers.
func Bug(format string, args ...any) {
	panic(fmt.Sprintf("deploysim: invariant broken: "+format, args...))
}
