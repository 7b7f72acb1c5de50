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
	// Settle is how long the world is at least measured after the
	// strategy returns (5m). The measurement then goes on until the world
	// is quiet (see World.unsettled), for at most SettleMax after the
	// strategy returned (1h); a run the cap cut short says so in
	// Result.CutOff.
	Settle, SettleMax time.Duration
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
	if d.SettleMax == 0 {
		d.SettleMax = time.Hour
	}
	d.SettleMax = max(d.SettleMax, d.Settle)
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
	if err := w.run(ctx, sim.At(d.At)); err != nil {
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
		w.meter.spend(strategies.PhaseActive)
		w.meter.endAt = p.Now()
		w.mark("deploy", "%s: %s", d.Strategy.Name(), out.Outcome)
		w.s.Stop()
	})
	if err := w.run(ctx, sim.At(d.At+d.Limit)); err != nil {
		return Result{}, err
	}
	if !done {
		proc.Kill()
		out = strategies.Result{Outcome: strategies.Failed, Trigger: strategies.Trigger{Kind: strategies.TriggerTimeLimit},
			Reason: fmt.Sprintf("did not finish within %v", d.Limit)}
		w.meter.spend(strategies.PhaseActive)
		w.meter.endAt = w.s.Now()
		w.mark("deploy", "%s: stopped at the time limit", d.Strategy.Name())
	}
	if err := w.settle(ctx, d.Settle, d.SettleMax); err != nil {
		return Result{}, err
	}
	return w.result(out), nil
}

// RunFor advances the world by d with no deployment (steady state, fault
// schedules, benchmarks).
func (w *World) RunFor(ctx context.Context, d time.Duration) error {
	return w.run(ctx, w.s.Now().Add(d))
}

// run advances the world to limit; it stops early, with the error, when
// ctx is cancelled or an input error stopped the run (Fail).
func (w *World) run(ctx context.Context, limit sim.Time) error {
	if w.err != nil {
		return w.err
	}
	err := w.s.RunContext(ctx, limit)
	if w.err != nil {
		return w.err
	}
	return err
}

// ExprError is an expression of the configuration that failed to
// evaluate while the world ran. Field is its path in the configuration
// ("alarms[0].expression", "faults[2].when"), for the caller to point at
// the line it was written on.
type ExprError struct {
	Field string
	Err   error
}

func (e *ExprError) Error() string { return e.Field + ": " + e.Err.Error() }

func (e *ExprError) Unwrap() error { return e.Err }

// Fail stops the run with an input error found while running (an
// expression that failed to evaluate); Deploy and RunFor return it. Only
// the first error is kept.
func (w *World) Fail(err error) {
	if w.err == nil {
		w.err = err
	}
	w.s.Stop()
}

// FaultStarted records that a fault is now in effect, and FaultEnded that
// one was undone: detection times are measured from the start of the
// first fault in effect during the deployment. A fault schedule calls
// them around applying and undoing a fault (a fault with nothing to undo,
// as killing instances, ends at once).
func (w *World) FaultStarted() { w.meter.faultStarted() }

// FaultEnded: see FaultStarted.
func (w *World) FaultEnded() { w.meter.faultEnded() }
