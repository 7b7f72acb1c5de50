package benchmarks

import (
	"context"
	"testing"
	"time"

	"github.com/deploysim/deploysim/models"
)

// BenchmarkWorldSteadyState: a 100-instance fleet behind one ALB at
// 2 000 requests per second with no deployment. One op is one simulated
// request end to end (arrival, DNS, routing, service, completion,
// measurement), so ns/op is wall time per request and requests/s is
// simulated requests per wall second.
func BenchmarkWorldSteadyState(b *testing.B) {
	cfg := models.DefaultConfig()
	cfg.Instances = 100
	cfg.Traffic.Rate = 2000
	cfg.Traffic.Users = 100000
	w, err := models.New(cfg, 1)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	ctx := context.Background()
	if err := w.RunFor(ctx, 5*time.Minute); err != nil { // warm up: caches, buckets, slab
		b.Fatal(err)
	}
	start := w.Arrived()
	b.ReportAllocs()
	b.ResetTimer()
	// Advance the world in slices of simulated time until b.N requests
	// have arrived.
	for w.Arrived()-start < int64(b.N) {
		if err := w.RunFor(ctx, time.Second); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	n := w.Arrived() - start
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "requests/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/request")
}
