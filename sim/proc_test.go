package sim

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestProcSleepInterleaving(t *testing.T) {
	s := New()
	var log []string
	for _, name := range []string{"a", "b"} {
		s.Go(name, func(p *Proc) {
			for i := range 3 {
				log = append(log, fmt.Sprintf("%s%d@%v", name, i, p.Now()))
				p.Sleep(time.Second)
			}
		})
	}
	s.Run()
	want := []string{"a0@0s", "b0@0s", "a1@1s", "b1@1s", "a2@2s", "b2@2s"}
	if !slices.Equal(log, want) {
		t.Fatalf("got %v\nwant %v", log, want)
	}
}

func TestProcWaitSignalAndTimeout(t *testing.T) {
	s := New()
	sig := s.NewSignal()
	var got []string
	s.Go("waiter", func(p *Proc) {
		ok := p.Wait(sig, 10*time.Second)
		got = append(got, fmt.Sprintf("first %v@%v", ok, p.Now()))
		ok = p.Wait(sig, 10*time.Second)
		got = append(got, fmt.Sprintf("second %v@%v", ok, p.Now()))
		ok = p.Wait(sig, -1)
		got = append(got, fmt.Sprintf("third %v@%v", ok, p.Now()))
	})
	s.Go("notifier", func(p *Proc) {
		p.Sleep(3 * time.Second)
		sig.Notify()
		p.Sleep(100 * time.Second)
		sig.Notify()
	})
	s.Run()
	want := []string{"first true@3s", "second false@13s", "third true@1m43s"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if s.Pending() != 0 {
		t.Fatalf("%d events left pending: a woken wait must cancel its timeout", s.Pending())
	}
}

func TestProcWaitUntil(t *testing.T) {
	s := New()
	sig := s.NewSignal()
	level := 0
	var reached Time = -1
	var timedOut bool
	s.Go("watcher", func(p *Proc) {
		if p.WaitUntil(func() bool { return level >= 3 }, sig, time.Minute) {
			reached = p.Now()
		}
		timedOut = !p.WaitUntil(func() bool { return level >= 100 }, sig, time.Minute)
	})
	var k Kind
	k = s.Register(func(a, _ int64) {
		level++
		sig.Notify()
		if level < 10 {
			s.After(5*time.Second, k, 0, 0)
		}
	})
	s.After(5*time.Second, k, 0, 0)
	s.Run()
	if reached != At(15*time.Second) {
		t.Fatalf("condition reached at %v, want 15s", reached)
	}
	if !timedOut {
		t.Fatal("a condition that never holds must time out")
	}
	if s.Now() != At(75*time.Second) {
		t.Fatalf("now %v, want 1m15s (the second timeout)", s.Now())
	}
}

func TestProcExitedAndKill(t *testing.T) {
	s := New()
	var unwound, joined bool
	victim := s.Go("victim", func(p *Proc) {
		defer func() { unwound = true }()
		p.Sleep(time.Hour)
		t.Error("killed process ran on")
	})
	worker := s.Go("worker", func(p *Proc) { p.Sleep(time.Minute) })
	s.Go("joiner", func(p *Proc) {
		joined = p.Wait(worker.Exited(), -1)
		if p.Now() != At(time.Minute) {
			t.Errorf("joined at %v, want 1m", p.Now())
		}
		victim.Kill()
	})
	s.Run()
	if !joined || !unwound || !victim.Done() || !worker.Done() {
		t.Fatalf("joined %v unwound %v victim done %v worker done %v", joined, unwound, victim.Done(), worker.Done())
	}
	if s.Now() != At(time.Minute) {
		t.Fatalf("the killed process's wake-up still ran: now %v", s.Now())
	}
}

func TestCloseUnwindsSuspendedProcesses(t *testing.T) {
	s := New()
	n := 0
	for range 10 {
		s.Go("sleeper", func(p *Proc) {
			defer func() { n++ }()
			p.Wait(s.NewSignal(), -1)
		})
	}
	s.RunUntil(At(time.Second))
	s.Close()
	if n != 10 {
		t.Fatalf("%d of 10 processes unwound", n)
	}
}

func TestProcPanicPropagates(t *testing.T) {
	s := New()
	s.Go("buggy", func(p *Proc) {
		p.Sleep(time.Second)
		panic("boom")
	})
	defer func() {
		if r := recover(); r != "boom" {
			t.Fatalf("recovered %v, want boom", r)
		}
	}()
	s.Run()
}
