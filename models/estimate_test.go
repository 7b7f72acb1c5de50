package models

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// TestEstimateMemoryBoundsHeap builds worlds dominated by one size each,
// runs them a while, and checks the estimate against the live heap: never
// below it, and not so far above that budgets would refuse what fits.
func TestEstimateMemoryBoundsHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("builds large worlds")
	}
	for _, tc := range []struct {
		name string
		set  func(c *Config)
	}{
		{"a million users", func(c *Config) { c.Traffic.Users = 1_000_000 }},
		{"a million resolvers", func(c *Config) { c.DNS.Resolvers = 1_000_000 }},
		{"two thousand instances", func(c *Config) { c.Instances = 2000; c.Traffic.Rate = 2000 }},
		{"defaults", func(c *Config) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.set(&cfg)
			const run = 10 * time.Minute
			est := EstimateMemory(cfg, run).Total()
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			w, err := New(cfg, 1)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.RunFor(context.Background(), run); err != nil {
				t.Fatal(err)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			live := int64(after.HeapAlloc) - int64(before.HeapAlloc)
			runtime.KeepAlive(w)
			w.Close()
			if live > est {
				t.Errorf("live heap %d KiB, above the estimate %d KiB", live>>10, est>>10)
			}
			// The in-flight bound assumes a stalled fleet holding a client
			// timeout's worth of arrivals: tens of MiB of slack for small
			// worlds, a small factor for large ones.
			if est > 8*live+32<<20 {
				t.Errorf("estimate %d KiB, more than 8× the live heap %d KiB + 32 MiB", est>>10, live>>10)
			}
			t.Logf("estimate %d KiB, live heap %d KiB", est>>10, live>>10)
		})
	}
}
