package sim

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestEqualTimesRunInSchedulingOrder(t *testing.T) {
	s := New()
	var got []int64
	k := s.Register(func(a, _ int64) { got = append(got, a) })
	for i := int64(0); i < 10; i++ {
		s.At(At(time.Second), k, i, 0)
	}
	s.At(At(time.Millisecond), k, 100, 0)
	s.Run()
	want := []int64{100, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	if !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
}

func TestSchedulingInThePastIsABug(t *testing.T) {
	s := New()
	k := s.Register(func(a, b int64) {})
	s.At(At(time.Second), k, 0, 0)
	s.Run()
	defer func() {
		if recover() == nil {
			t.Fatal("scheduling before now did not panic")
		}
	}()
	s.At(At(time.Millisecond), k, 0, 0)
}

func TestCancel(t *testing.T) {
	s := New()
	var ran []int64
	k := s.Register(func(a, _ int64) { ran = append(ran, a) })
	t1 := s.AfterTimer(time.Second, k, 1, 0)
	t2 := s.AfterTimer(2*time.Second, k, 2, 0)
	if !s.Active(t1) || !s.Cancel(t1) || s.Cancel(t1) || s.Active(t1) {
		t.Fatal("first cancel must succeed once")
	}
	s.Run()
	if !slices.Equal(ran, []int64{2}) {
		t.Fatalf("ran %v, want [2]", ran)
	}
	if s.Cancel(t2) {
		t.Fatal("cancelling an event that already ran must report false")
	}
	// The slot of t2 is reused; the stale handle must not cancel the new event.
	t3 := s.AfterTimer(time.Second, k, 3, 0)
	if s.Cancel(t2) || !s.Active(t3) {
		t.Fatal("a stale handle cancelled a reused slot")
	}
	if s.Cancel(Timer{}) {
		t.Fatal("zero Timer cancelled something")
	}
	s.Run()
	if !slices.Equal(ran, []int64{2, 3}) {
		t.Fatalf("ran %v, want [2 3]", ran)
	}
	if s.Events() != 2 {
		t.Fatalf("Events() = %d, want 2 (cancelled events are not counted)", s.Events())
	}
}

func TestRunUntilStopsAtLimitAndMovesClock(t *testing.T) {
	s := New()
	var ran []int64
	k := s.Register(func(a, _ int64) { ran = append(ran, a) })
	c := s.AtTimer(At(2*time.Second), k, 9, 0)
	s.At(At(1*time.Second), k, 1, 0)
	s.At(At(3*time.Second), k, 3, 0)
	s.Cancel(c)
	s.RunUntil(At(2 * time.Second))
	if !slices.Equal(ran, []int64{1}) || s.Now() != At(2*time.Second) {
		t.Fatalf("ran %v now %v; want [1] at 2s", ran, s.Now())
	}
	if s.Pending() != 1 {
		t.Fatalf("pending %d, want 1", s.Pending())
	}
	s.Run()
	if !slices.Equal(ran, []int64{1, 3}) || s.Now() != At(3*time.Second) {
		t.Fatalf("ran %v now %v; want [1 3] at 3s", ran, s.Now())
	}
}

func TestRunUntilFuncAndStop(t *testing.T) {
	s := New()
	n := 0
	var k Kind
	k = s.Register(func(a, _ int64) {
		n++
		if n == 50 {
			s.Stop()
		}
		s.After(time.Second, k, 0, 0)
	})
	s.At(0, k, 0, 0)
	if !s.RunUntilFunc(Never, func() bool { return n == 10 }) || n != 10 {
		t.Fatalf("RunUntilFunc stopped at n=%d, want 10", n)
	}
	s.Run() // runs until the handler calls Stop
	if n != 50 {
		t.Fatalf("Stop: n=%d, want 50", n)
	}
	if s.RunUntilFunc(At(60*time.Second), func() bool { return false }) {
		t.Fatal("RunUntilFunc reported a condition that never held")
	}
	if s.Now() != At(60*time.Second) || n != 61 {
		t.Fatalf("RunUntilFunc: now %v n %d, want 60s and 61 events", s.Now(), n)
	}
}

func TestRunContextCancel(t *testing.T) {
	s := New()
	ctx, cancel := context.WithCancel(context.Background())
	var k Kind
	k = s.Register(func(a, _ int64) {
		if a == 5000 {
			cancel()
		}
		s.After(time.Millisecond, k, a+1, 0)
	})
	s.At(0, k, 0, 0)
	err := s.RunContext(ctx, Never)
	if err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if e := s.Events(); e < 5001 || e > 5001+1024 {
		t.Fatalf("ran %d events after cancel at 5001; the check is every 1024", e)
	}
	if err := s.RunContext(context.Background(), At(10*time.Second)); err != nil || s.Now() != At(10*time.Second) {
		t.Fatalf("RunContext with a limit: err %v now %v", err, s.Now())
	}
}

// TestZeroAllocsSteadyState: scheduling and dispatching hot-path events
// (plain and cancelable, at the same time and later) allocates nothing once
// the queue has grown to its working set.
func TestZeroAllocsSteadyState(t *testing.T) {
	s := New()
	r := rand.New(rand.NewPCG(1, 2))
	var k, kt Kind
	k = s.Register(func(a, _ int64) {
		s.After(time.Duration(r.ExpFloat64()*1e9), k, a, 0)
		if a%4 == 0 {
			s.After(0, kt, a, 0)
		}
	})
	kt = s.Register(func(a, _ int64) {
		tm := s.AfterTimer(time.Duration(r.ExpFloat64()*1e8), kt, 1, 0)
		if a%2 == 0 {
			s.Cancel(tm)
		}
	})
	for i := int64(0); i < 10000; i++ {
		s.After(time.Duration(r.ExpFloat64()*1e9), k, i, 0)
	}
	for range 200000 { // grow the buckets and the timer slots
		s.Step()
	}
	allocs := testing.AllocsPerRun(100, func() {
		for range 1000 {
			s.Step()
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per 1000 events, want 0", allocs)
	}
}

// trace runs a small world of events and processes from one seed and
// returns everything that happened, in order.
func trace(seed uint64) []int64 {
	s := New()
	st := NewStreams(seed)
	r := rand.New(st.Source("events"))
	var out []int64
	var k Kind
	k = s.Register(func(a, _ int64) {
		out = append(out, int64(s.Now()), a)
		if s.Now() < At(time.Hour) {
			s.After(time.Duration(r.ExpFloat64()*float64(time.Minute)), k, a, 0)
		}
	})
	for i := int64(0); i < 20; i++ {
		s.At(0, k, i, 0)
	}
	sig := s.NewSignal()
	for i := range 5 {
		pr := rand.New(st.Index(uint64(i)))
		s.Go("p", func(p *Proc) {
			for p.Now() < At(time.Hour) {
				if pr.IntN(3) == 0 {
					sig.Notify()
				}
				woke := p.Wait(sig, time.Duration(pr.ExpFloat64()*float64(time.Minute)))
				out = append(out, int64(p.Now()), -int64(i), map[bool]int64{true: 1}[woke])
			}
		})
	}
	s.Run()
	s.Close()
	return out
}

func TestDeterministicTraces(t *testing.T) {
	a, b := trace(42), trace(42)
	if !slices.Equal(a, b) {
		t.Fatal("two runs with seed 42 differ")
	}
	if len(a) < 1000 {
		t.Fatalf("trace too short to mean anything: %d", len(a))
	}
	if slices.Equal(a, trace(43)) {
		t.Fatal("seeds 42 and 43 gave the same trace")
	}
}

func TestTimeHelpers(t *testing.T) {
	tm := At(90 * time.Second)
	if tm.String() != "1m30s" || tm.Seconds() != 90 || tm.Add(time.Second).Sub(tm) != time.Second || tm.Duration() != 90*time.Second {
		t.Fatal("time helpers")
	}
	if Never.String() != "never" {
		t.Fatal(Never.String())
	}
}
