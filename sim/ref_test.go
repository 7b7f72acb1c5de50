package sim

import (
	"container/heap"
	"math/rand/v2"
	"testing"
	"time"
)

// refSim is the reference implementation of the pending-event set: a binary
// heap (container/heap) ordered by (time, scheduling sequence), with eager
// deletion on cancel. It is slow and obviously right; the engine must
// dispatch exactly the same events in exactly the same order.
type refSim struct {
	now Time
	seq uint64
	h   refHeap
}

type refEvent struct {
	at    Time
	seq   uint64
	id    int64
	index int
}

type refHeap []*refEvent

func (h refHeap) Len() int { return len(h) }
func (h refHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h refHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *refHeap) Push(x any) { e := x.(*refEvent); e.index = len(*h); *h = append(*h, e) }
func (h *refHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	e.index = -1
	return e
}

// engine is what the driver needs from either implementation.
type engine interface {
	now() Time
	schedule(at Time, id int64, cancelable bool)
	cancel(i int) // cancel the i-th cancelable event scheduled
	step() (id int64, ok bool)
}

type refEngine struct {
	r      refSim
	timers []*refEvent
}

func (e *refEngine) now() Time { return e.r.now }
func (e *refEngine) schedule(at Time, id int64, cancelable bool) {
	e.r.seq++
	ev := &refEvent{at: at, seq: e.r.seq, id: id}
	heap.Push(&e.r.h, ev)
	if cancelable {
		e.timers = append(e.timers, ev)
	}
}
func (e *refEngine) cancel(i int) {
	if ev := e.timers[i]; ev.index >= 0 {
		heap.Remove(&e.r.h, ev.index)
	}
}
func (e *refEngine) step() (int64, bool) {
	if e.r.h.Len() == 0 {
		return 0, false
	}
	ev := heap.Pop(&e.r.h).(*refEvent)
	e.r.now = ev.at
	return ev.id, true
}

type simEngine struct {
	s      *Sim
	k      Kind
	last   int64
	timers []Timer
}

func newSimEngine() *simEngine {
	e := &simEngine{s: New()}
	e.k = e.s.Register(func(a, _ int64) { e.last = a })
	return e
}
func (e *simEngine) now() Time { return e.s.Now() }
func (e *simEngine) schedule(at Time, id int64, cancelable bool) {
	if cancelable {
		e.timers = append(e.timers, e.s.AtTimer(at, e.k, id, 0))
		return
	}
	e.s.At(at, e.k, id, 0)
}
func (e *simEngine) cancel(i int)        { e.s.Cancel(e.timers[i]) }
func (e *simEngine) step() (int64, bool) { ok := e.s.Step(); return e.last, ok }

// choices feeds the driver its decisions; both engines get the same ones.
type choices interface{ next(n int) int }

type rngChoices struct{ r *rand.Rand }

func (c rngChoices) next(n int) int { return c.r.IntN(n) }

type byteChoices struct {
	b []byte
	i int
}

func (c *byteChoices) next(n int) int {
	if c.i >= len(c.b) {
		return 0
	}
	v := int(c.b[c.i]) % n
	c.i++
	return v
}

// drive runs a random schedule on e: an initial batch of events, then, as
// each event runs, 0–3 new events (often at the same time, or at times that
// collide) and the occasional cancellation. It returns the trace of
// (time, id) pairs dispatched.
func drive(e engine, c choices, steps int) []int64 {
	var trace []int64
	nextID := int64(0)
	ncancelable := 0
	delays := []time.Duration{0, 0, 1, 2, 3, 1000, 1 << 20, 1 << 33}
	add := func() {
		d := delays[c.next(len(delays))] + time.Duration(c.next(4))
		cancelable := c.next(3) == 0
		e.schedule(e.now().Add(d), nextID, cancelable)
		nextID++
		if cancelable {
			ncancelable++
		}
	}
	for range 1 + c.next(20) {
		add()
	}
	for range steps {
		id, ok := e.step()
		if !ok {
			break
		}
		trace = append(trace, int64(e.now()), id)
		for range c.next(4) {
			add()
		}
		if ncancelable > 0 && c.next(4) == 0 {
			e.cancel(c.next(ncancelable))
		}
	}
	return trace
}

func compareTraces(t *testing.T, what string, got, want []int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: engine dispatched %d events, reference %d", what, len(got)/2, len(want)/2)
	}
	for i := 0; i < len(got); i += 2 {
		if got[i] != want[i] || got[i+1] != want[i+1] {
			t.Fatalf("%s: event %d: engine ran id %d at %d, reference id %d at %d",
				what, i/2, got[i+1], got[i], want[i+1], want[i])
		}
	}
}

func TestOrderMatchesReferenceHeap(t *testing.T) {
	for seed := uint64(1); seed <= 200; seed++ {
		want := drive(&refEngine{}, rngChoices{rand.New(rand.NewPCG(seed, 7))}, 3000)
		got := drive(newSimEngine(), rngChoices{rand.New(rand.NewPCG(seed, 7))}, 3000)
		compareTraces(t, "seed "+itoa(seed), got, want)
	}
}

func FuzzOrderMatchesReferenceHeap(f *testing.F) {
	f.Add([]byte{3, 1, 0, 0, 2, 7, 7, 1, 0, 3, 3, 3})
	f.Add([]byte{19, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 3, 2, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		want := drive(&refEngine{}, &byteChoices{b: b}, 500)
		got := drive(newSimEngine(), &byteChoices{b: b}, 500)
		compareTraces(t, "fuzz", got, want)
	})
}

func itoa(u uint64) string {
	if u == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; u > 0; u /= 10 {
		i--
		b[i] = byte('0' + u%10)
	}
	return string(b[i:])
}
