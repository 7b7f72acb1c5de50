package sim

import (
	"iter"
	"time"
)

// Proc is a process: sequential code (a deployment controller, a fault
// schedule) that waits in virtual time. Its body runs as a coroutine
// (iter.Pull): control passes to it only when one of its wake-up events is
// dispatched, and back to the event loop only when it calls Sleep, Wait or
// WaitUntil, or returns. Processes therefore never run concurrently with
// each other or with handlers, and interleave in event order.
//
// Proc methods must be called only from the process's own body.
type Proc struct {
	s     *Sim
	id    int64
	name  string
	next  func() (struct{}, bool)
	stop  func()
	yield func(struct{}) bool

	token    int64   // wake-ups carrying another token are stale
	signaled bool    // the last wake-up came from a Signal
	timeout  Timer   // pending timeout of the current Wait
	waitOn   *Signal // signal the process is waiting on, if any
	done     bool
	exited   *Signal
}

// killed is panicked inside a process body to unwind it when the process is
// stopped (Sim.Close or Proc.Kill) while suspended.
type killed struct{}

// Go starts body as a new process. It first runs at the current time, after
// the events already scheduled for now.
func (s *Sim) Go(name string, body func(p *Proc)) *Proc {
	p := &Proc{s: s, id: int64(len(s.procs)), name: name}
	p.next, p.stop = iter.Pull(func(yield func(struct{}) bool) {
		p.yield = yield
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(killed); !ok {
					panic(r)
				}
			}
		}()
		body(p)
	})
	s.procs = append(s.procs, p)
	s.At(s.now, s.kResume, p.id, p.token<<1)
	return p
}

// resume is the handler of wake-up events: a = process id, b = token<<1 |
// 1 if the wake-up comes from a signal.
func (s *Sim) resume(a, b int64) {
	p := s.procs[a]
	if p.done || b>>1 != p.token {
		return // stale: the process was already woken by something else
	}
	p.token++
	p.signaled = b&1 == 1
	if p.signaled {
		s.Cancel(p.timeout)
	} else if p.waitOn != nil {
		p.waitOn.remove(p)
	}
	p.timeout = Timer{}
	p.waitOn = nil
	prev := s.cur
	s.cur = p
	_, alive := p.next()
	s.cur = prev
	if !alive {
		p.finish()
	}
}

func (p *Proc) finish() {
	p.done = true
	if p.exited != nil {
		p.exited.Notify()
	}
}

// suspend hands control back to the event loop until the process is woken.
func (p *Proc) suspend() {
	if p.s.cur != p {
		Bug("process %q suspended from outside its own body", p.name)
	}
	if !p.yield(struct{}{}) {
		panic(killed{})
	}
}

// Name returns the name the process was started with.
func (p *Proc) Name() string { return p.name }

// Sim returns the simulation the process runs in.
func (p *Proc) Sim() *Sim { return p.s }

// Now returns the current virtual time.
func (p *Proc) Now() Time { return p.s.now }

// Done reports whether the process body has returned.
func (p *Proc) Done() bool { return p.done }

// Exited returns a signal notified when the process body returns, so that
// another process can wait for it.
func (p *Proc) Exited() *Signal {
	if p.exited == nil {
		p.exited = p.s.NewSignal()
	}
	return p.exited
}

// Sleep suspends the process for d of virtual time (d <= 0 yields to the
// events already scheduled for now).
func (p *Proc) Sleep(d time.Duration) {
	if d < 0 {
		d = 0
	}
	// A timer, not a plain event, so that Kill can take the wake-up back.
	p.timeout = p.s.AfterTimer(d, p.s.kResume, p.id, p.token<<1)
	p.suspend()
}

// Wait suspends the process until sig is notified or timeout passes, and
// reports whether the signal woke it. A negative timeout waits forever.
func (p *Proc) Wait(sig *Signal, timeout time.Duration) bool {
	sig.waiters = append(sig.waiters, p)
	p.waitOn = sig
	if timeout >= 0 {
		p.timeout = p.s.AfterTimer(timeout, p.s.kResume, p.id, p.token<<1)
	}
	p.suspend()
	return p.signaled
}

// WaitUntil suspends the process until cond returns true, re-checking it
// each time sig is notified, or until timeout passes (negative: forever).
// It reports cond's value when it returns. cond is also checked before
// waiting, so a condition that already holds returns at once.
func (p *Proc) WaitUntil(cond func() bool, sig *Signal, timeout time.Duration) bool {
	deadline := Never
	if timeout >= 0 {
		deadline = p.s.now.Add(timeout)
	}
	for !cond() {
		left := time.Duration(-1)
		if deadline != Never {
			left = deadline.Sub(p.s.now)
			if left <= 0 {
				return false
			}
		}
		if !p.Wait(sig, left) {
			return cond()
		}
	}
	return true
}

// Kill stops a process that is suspended: its body is unwound (deferred
// calls run) and it never runs again. Killing a finished process does
// nothing. A process cannot kill itself; it returns instead.
func (p *Proc) Kill() {
	if p.done {
		return
	}
	if p.s.cur == p {
		Bug("process %q killed itself", p.name)
	}
	if p.waitOn != nil {
		p.waitOn.remove(p)
		p.waitOn = nil
	}
	p.s.Cancel(p.timeout)
	p.token++ // every pending wake-up is now stale
	p.stop()
	p.finish()
}

// Close kills every process that has not finished, releasing the
// coroutines behind them. Call it when a run is over.
func (s *Sim) Close() {
	for _, p := range s.procs {
		p.Kill()
	}
}

// Signal wakes the processes waiting on it. Notify schedules the wake-ups
// as events at the current time, in the order the processes began waiting,
// so a notification never runs a process in the middle of a handler.
type Signal struct {
	s       *Sim
	waiters []*Proc
}

// NewSignal returns a signal with no waiters.
func (s *Sim) NewSignal() *Signal { return &Signal{s: s} }

// Notify wakes every process waiting on sig (a broadcast).
func (sig *Signal) Notify() {
	for _, p := range sig.waiters {
		sig.s.At(sig.s.now, sig.s.kResume, p.id, p.token<<1|1)
	}
	sig.waiters = sig.waiters[:0]
}

// Waiting returns the number of processes waiting on sig.
func (sig *Signal) Waiting() int { return len(sig.waiters) }

func (sig *Signal) remove(p *Proc) {
	for i, w := range sig.waiters {
		if w == p {
			sig.waiters = append(sig.waiters[:i], sig.waiters[i+1:]...)
			return
		}
	}
}
