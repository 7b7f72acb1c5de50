package benchmarks

import (
	"container/heap"
	"fmt"
	"iter"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/deploysim/deploysim/sim"
)

// The hold model (Jones 1986; Vaucher and Duval 1975): keep N events
// pending; each step removes the earliest and schedules one successor at
// now + Exp(1). Times are integer nanoseconds with a mean increment of one
// second. Every implementation draws the same increments from the same
// stream and is warmed up with N steps before timing, so all three run in
// the hold model's steady state.

var holdSizes = []int{1_000, 100_000, 1_000_000}

const meanHold = float64(time.Second)

func BenchmarkHold(b *testing.B) {
	for _, n := range holdSizes {
		b.Run(fmt.Sprintf("engine/N=%d", n), func(b *testing.B) { benchEngine(b, n) })
		b.Run(fmt.Sprintf("quadheap/N=%d", n), func(b *testing.B) { benchQuadHeap(b, n) })
		b.Run(fmt.Sprintf("containerheap/N=%d", n), func(b *testing.B) { benchContainerHeap(b, n) })
	}
}

func reportEvents(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// benchEngine: sim.Sim with a registered handler (dispatch through the
// handler table) that schedules the successor.
func benchEngine(b *testing.B, n int) {
	r := rand.New(rand.NewPCG(1, 1))
	s := sim.New()
	var k sim.Kind
	k = s.Register(func(a, bb int64) {
		s.After(time.Duration(r.ExpFloat64()*meanHold), k, a, bb)
	})
	for i := range n {
		s.After(time.Duration(r.ExpFloat64()*meanHold), k, int64(i), 0)
	}
	for range n {
		s.Step()
	}
	b.ReportAllocs()
	for b.Loop() {
		s.Step()
	}
	reportEvents(b)
}

// qevent is the baseline's event: the same payload as the engine's plus
// the sequence number a heap needs to break ties in scheduling order.
type qevent struct {
	at   int64
	seq  uint64
	a, b int64
	kind uint32
}

func (e *qevent) less(f *qevent) bool {
	return e.at < f.at || (e.at == f.at && e.seq < f.seq)
}

// quadHeap is the tuned reference: a 4-ary min-heap of values (no pointers,
// no interface calls), sifting with a hole instead of swaps.
type quadHeap struct {
	h   []qevent
	seq uint64
}

func (q *quadHeap) push(at int64, a, b int64, kind uint32) {
	q.seq++
	e := qevent{at: at, seq: q.seq, a: a, b: b, kind: kind}
	h := append(q.h, e)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 4
		if !e.less(&h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
	q.h = h
}

func (q *quadHeap) pop() qevent {
	h := q.h
	top := h[0]
	last := h[len(h)-1]
	h = h[:len(h)-1]
	n := len(h)
	i := 0
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		end := min(c+4, n)
		for j := c + 1; j < end; j++ {
			if h[j].less(&h[m]) {
				m = j
			}
		}
		if !h[m].less(&last) {
			break
		}
		h[i] = h[m]
		i = m
	}
	if n > 0 {
		h[i] = last
	}
	q.h = h
	return top
}

func benchQuadHeap(b *testing.B, n int) {
	r := rand.New(rand.NewPCG(1, 1))
	q := &quadHeap{h: make([]qevent, 0, n+1)}
	for i := range n {
		q.push(int64(r.ExpFloat64()*meanHold), int64(i), 0, 0)
	}
	step := func() {
		e := q.pop()
		q.push(e.at+int64(r.ExpFloat64()*meanHold), e.a, e.b, e.kind)
	}
	for range n {
		step()
	}
	b.ReportAllocs()
	for b.Loop() {
		step()
	}
	reportEvents(b)
}

// boxedHeap is the textbook container/heap of pointers to events.
type boxedHeap []*qevent

func (h boxedHeap) Len() int           { return len(h) }
func (h boxedHeap) Less(i, j int) bool { return h[i].less(h[j]) }
func (h boxedHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *boxedHeap) Push(x any)        { *h = append(*h, x.(*qevent)) }
func (h *boxedHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

func benchContainerHeap(b *testing.B, n int) {
	r := rand.New(rand.NewPCG(1, 1))
	h := &boxedHeap{}
	var seq uint64
	push := func(at, a int64) {
		seq++
		heap.Push(h, &qevent{at: at, seq: seq, a: a})
	}
	for i := range n {
		push(int64(r.ExpFloat64()*meanHold), int64(i))
	}
	step := func() {
		e := heap.Pop(h).(*qevent)
		push(e.at+int64(r.ExpFloat64()*meanHold), e.a)
	}
	for range n {
		step()
	}
	b.ReportAllocs()
	for b.Loop() {
		step()
	}
	reportEvents(b)
}

// BenchmarkProcessFloor is the floor under BenchmarkProcess: P bare
// iter.Pull coroutines that only yield, resumed in a scrambled order (as
// wake-ups arrive) — the cost of the coroutine switch and of touching P
// goroutine stacks, with no event queue and no process bookkeeping.
func BenchmarkProcessFloor(b *testing.B) {
	for _, p := range []int{1, 1_000} {
		b.Run(fmt.Sprintf("P=%d", p), func(b *testing.B) {
			nexts := make([]func() (struct{}, bool), p)
			for k := range nexts {
				next, stop := iter.Pull(func(yield func(struct{}) bool) {
					for yield(struct{}{}) {
					}
				})
				defer stop()
				nexts[k] = next
			}
			r := rand.New(rand.NewPCG(3, 3))
			order := r.Perm(p)
			k := 0
			for b.Loop() {
				nexts[order[k]]()
				k++
				if k == p {
					k = 0
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/resume")
		})
	}
}

// BenchmarkProcess: P processes each looping Sleep(Exp(1)); one op is one
// process resume (wake-up event, switch into the coroutine, Sleep, switch
// back).
func BenchmarkProcess(b *testing.B) {
	for _, p := range []int{1, 1_000, 10_000} {
		b.Run(fmt.Sprintf("P=%d", p), func(b *testing.B) {
			r := rand.New(rand.NewPCG(2, 2))
			s := sim.New()
			for range p {
				s.Go("sleeper", func(pr *sim.Proc) {
					for {
						pr.Sleep(time.Duration(r.ExpFloat64() * meanHold))
					}
				})
			}
			for range 2 * p {
				s.Step()
			}
			b.ReportAllocs()
			for b.Loop() {
				s.Step()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/resume")
			b.StopTimer()
			s.Close()
		})
	}
}
