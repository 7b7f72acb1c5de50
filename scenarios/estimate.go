package scenarios

import (
	"fmt"
	"runtime"
	"time"

	"github.com/deploysim/deploysim/models"
)

// DefaultMemoryBudget is the memory an experiment may be estimated to
// need before it is refused (--memory-budget changes it; docs/limits.md).
const DefaultMemoryBudget = 4 << 30

// perRunBytes bounds what one finished run keeps until its strategy is
// summarised: its measurements, outcome, failed requests by cause and
// marks (the timeline is kept for the first replication only).
const perRunBytes = 8 << 10

// MemoryEstimate is the memory an experiment is estimated to need at
// most: one world per worker, plus every run's results.
type MemoryEstimate struct {
	World   models.MemoryEstimate
	Workers int
	Runs    int64
	// Results is what finished runs keep (and each strategy's first
	// replication's timeline).
	Results int64
}

// Total is the estimate in bytes.
func (e MemoryEstimate) Total() int64 {
	return addSat(mulSat(int64(e.Workers), e.World.Total()), e.Results)
}

// Estimate estimates the memory of running sc with opts.
func (sc *Scenario) Estimate(opts Options) MemoryEstimate {
	reps := pick(opts.Replications, sc.Replications)
	runs := mulSat(int64(reps), int64(len(sc.Strategies)))
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = int(max(1, min(int64(workers), runs)))
	cfg := sc.Config
	cfg.Traffic.Rate *= sc.faultPeak()
	h := sc.horizon()
	e := MemoryEstimate{World: models.EstimateMemory(cfg, h), Workers: workers, Runs: runs}
	buckets := int64(h/max(cfg.Measure.Bucket, time.Nanosecond)) + 1
	e.Results = addSat(mulSat(runs, perRunBytes),
		mulSat(int64(len(sc.Strategies)), models.TimelineBytes(buckets, len(cfg.Versions))))
	if opts.Timeline {
		// Every run's trace for the bands: (versions + 2) float32 a bucket.
		e.Results = addSat(e.Results, mulSat(runs, mulSat(buckets, int64(len(cfg.Versions)+2)*4)))
	}
	return e
}

// faultPeak is the largest traffic multiplier of the scenario's faults.
func (sc *Scenario) faultPeak() float64 {
	m := 1.0
	for _, f := range sc.File.Faults {
		if f.TrafficSpike != nil {
			x := f.TrafficSpike.Multiplier
			if x == 0 {
				x = 3
			}
			m = max(m, x)
		}
	}
	return m
}

// checkMemory refuses an experiment estimated above the budget, naming
// the field that weighs most and where it is written.
func (sc *Scenario) checkMemory(opts Options) error {
	budget := opts.MemoryBudget
	if budget <= 0 {
		budget = DefaultMemoryBudget
	}
	e := sc.Estimate(opts)
	if e.Total() <= budget {
		return nil
	}
	w := e.World
	parts := []struct {
		field, what string
		bytes       int64
	}{
		{"world.traffic.users", "users", mulSat(int64(e.Workers), w.Users)},
		{"world.dns.resolvers", "resolvers", mulSat(int64(e.Workers), w.Resolvers)},
		{"world.instances", "instances", mulSat(int64(e.Workers), w.Instances)},
		{"world.traffic.rate", "requests in flight", mulSat(int64(e.Workers), w.InFlight)},
		{"slo.window", "timelines", addSat(mulSat(int64(e.Workers), w.Timeline), 0)},
		{"replications", "results of finished runs", e.Results},
	}
	big := parts[0]
	for _, p := range parts[1:] {
		if p.bytes > big.bytes {
			big = p
		}
	}
	fe := FieldError{File: sc.Source, Field: big.field,
		Msg: fmt.Sprintf("the experiment needs an estimated %s (%d worker(s) × %s per world, results %s; %s take %s), above the memory budget of %s: lower %s or --workers, or raise --memory-budget",
			BytesString(e.Total()), e.Workers, BytesString(w.Total()), BytesString(e.Results), big.what, BytesString(big.bytes), BytesString(budget), big.field)}
	for p := big.field; p != ""; p = parentPath(p) {
		if at, ok := sc.pos[p]; ok {
			fe.Line, fe.Col = at[0], at[1]
			break
		}
	}
	return &LoadError{Errs: []FieldError{fe}}
}

// BytesString formats a size in binary units.
func BytesString(b int64) string {
	switch {
	case b >= 1<<60:
		return "more than 1 EiB"
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
}
