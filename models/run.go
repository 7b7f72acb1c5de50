package models

import (
	"context"
	"fmt"
	"time"

	"github.com/deploysim/deploysim/sim"
	"github.com/deploysim/deploysim/strategies"
)

// Deployment is one deployment to run in a world.
type Deployment struct {
	Strategy strategies.Strategy
	// To is the version to deploy.
	To string
	// At is when the deployment starts, after the world has run in steady
	// state (2m).
	At time.Duration
	// Settle is how long the world keeps being measured after the strategy
	// returns (5m): long enough for caches to expire and stragglers to
	// fail.
	Settle time.Duration
	// Limit bounds the strategy's run (6h); one still running then is
	// stopped and the outcome is failed.
	Limit time.Duration
	// Migrations are the release's migrations by name (default: all of the
	// world's, in order).
	Migrations        []string
	Flag              string
	Contraindications []string
}

// Deploy runs d in w and measures it. It returns an error for invalid input
// or when ctx is cancelled.
func (w *World) Deploy(ctx context.Context, d Deployment) (Result, error) {
	if d.Strategy == nil {
		return Result{}, fmt.Errorf("deploy: no strategy")
	}
	to := w.versionOf(strategies.Version(d.To))
	if to < 0 {
		return Result{}, fmt.Errorf("deploy: version %q: %w", d.To, strategies.ErrNotFound)
	}
	if d.At == 0 {
		d.At = 2 * time.Minute
	}
	if d.Settle == 0 {
		d.Settle = 5 * time.Minute
	}
	if d.Limit == 0 {
		d.Limit = 6 * time.Hour
	}
	if d.Migrations == nil {
		for _, m := range w.cfg.DB.Migrations {
			d.Migrations = append(d.Migrations, m.Name)
		}
	}
	from := w.versionOf(strategies.Version(w.cfg.From))
	w.bindAlarms(w.cfg.From, d.To)
	if err := w.s.RunContext(ctx, sim.At(d.At)); err != nil {
		return Result{}, err
	}
	w.meter.begin(from, to)
	if d.Flag != "" {
		w.meter.flag = w.flagIndex(d.Flag)
	}
	w.mark("deploy", "%s: %s → %s", d.Strategy.Name(), w.cfg.From, d.To)

	target := strategies.Target{
		From: strategies.Version(w.cfg.From), To: strategies.Version(d.To),
		Group: 0, TargetGroup: 1, LoadBalancer: 0, CNAME: "blue", Record: "blue",
		Migrations: d.Migrations, Flag: d.Flag, Contraindications: d.Contraindications,
	}
	var out strategies.Result
	done := false
	proc := w.s.Go("strategy", func(p *sim.Proc) {
		out = d.Strategy.Run(w.Env(p, target, w.streams.Rand("strategy")))
		done = true
		w.meter.endAt = p.Now()
		w.mark("deploy", "%s: %s", d.Strategy.Name(), out.Outcome)
		w.s.Stop()
	})
	if err := w.s.RunContext(ctx, sim.At(d.At+d.Limit)); err != nil {
		return Result{}, err
	}
	if !done {
		proc.Kill()
		out = strategies.Result{Outcome: strategies.Failed, Reason: fmt.Sprintf("did not finish within %v", d.Limit)}
		w.meter.endAt = w.s.Now()
		w.mark("deploy", "%s: stopped at the time limit", d.Strategy.Name())
	}
	if err := w.s.RunContext(ctx, w.s.Now().Add(d.Settle)); err != nil {
		return Result{}, err
	}
	return w.result(out), nil
}

// RunFor advances the world by d with no deployment (steady state, fault
// schedules, benchmarks).
func (w *World) RunFor(ctx context.Context, d time.Duration) error {
	return w.s.RunContext(ctx, w.s.Now().Add(d))
}

// MarkFault records the start of a fault for the timeline and for
// detection times measured from it.
func (w *World) MarkFault(text string) { w.mark("fault", "%s", text) }
