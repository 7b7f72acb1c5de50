package scenarios

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/sim"
	"github.com/deploysim/deploysim/strategies"
)

// ErrInterrupted is returned (wrapped, with the partial report) when the
// context was cancelled before every run finished.
var ErrInterrupted = errors.New("interrupted")

// InternalError is a bug met in a run: a panic, or a broken invariant of
// the simulation (sim.Bug), with what reproduces it.
type InternalError struct {
	Scenario, Strategy string
	// WorldSeed is the run's world seed; RootSeed and Replication (-1
	// when unknown) are what --seed and the replication index reproduce
	// it from.
	WorldSeed, RootSeed uint64
	Replication         int
	Panic               any
	Stack               []byte
}

func (e *InternalError) Error() string {
	where := fmt.Sprintf("world seed %d", e.WorldSeed)
	if e.Replication >= 0 {
		where = fmt.Sprintf("seed %d, replication %d (world seed %d)", e.RootSeed, e.Replication, e.WorldSeed)
	}
	return fmt.Sprintf("scenario %s, strategy %s, %s: panic: %v", e.Scenario, e.Strategy, where, e.Panic)
}

// Options control an experiment; zero values take the scenario's settings.
type Options struct {
	Replications int
	Seed         *uint64
	// Workers run replications in parallel (default GOMAXPROCS). Results
	// do not depend on it.
	Workers int
	// Progress is called after each run with the runs done and the total;
	// it may be called from several goroutines at once.
	Progress func(done, total int)
	// Timeline adds each strategy's timeline to its summary (the first
	// replication's series and quantile bands across replications); it
	// keeps a few bytes per bucket of every replication until the end.
	Timeline bool
	// MemoryBudget is the most memory the experiment may be estimated to
	// need (default DefaultMemoryBudget); above it Run refuses to start.
	MemoryBudget int64
	// KeepRuns makes a sweep keep each point's first replication and
	// every run's values (what HTML reports and timeline exports show)
	// instead of its statistics only; the memory check then counts them
	// for every point.
	KeepRuns bool
}

// Report is the outcome of an experiment: one Summary per strategy, in
// the scenario's order. Its JSON form is the stable document of
// docs/json-output.md.
type Report struct {
	Scenario string `json:"scenario"`
	// Point names a sweep's grid point ("world.instances=40
	// versions.v2.error_rate=5%") when the report is one; SweepReport's
	// JSON carries it as set.
	Point        string `json:"-"`
	Title        string `json:"title,omitempty"`
	Seed         uint64 `json:"seed"`
	Replications int    `json:"replications"`
	Complete     bool   `json:"complete"`
	// Recommendation is the strategy the results support (Recommend).
	Recommendation *Recommendation `json:"recommendation"`
	Results        []*Summary      `json:"results"`
}

// Passed reports whether every threshold held.
func (r *Report) Passed() bool {
	for _, s := range r.Results {
		for _, c := range s.Expect {
			if !c.OK {
				return false
			}
		}
	}
	return true
}

// Summary is the Monte Carlo summary of one strategy's replications.
type Summary struct {
	Label    string         `json:"label"`
	Strategy string         `json:"strategy"`
	Config   map[string]any `json:"config"`
	// Runs is how many replications finished (less than the report's
	// replications only when interrupted).
	Runs int `json:"runs"`
	// Metrics by name (models.MetricNames); encoded in that order.
	Metrics Metrics `json:"metrics"`
	// Outcomes is the share of runs ending in each outcome.
	Outcomes map[string]float64 `json:"outcomes"`
	// FailedByCause is the mean number of failed requests per run by cause.
	FailedByCause map[string]float64 `json:"failed_by_cause"`
	// Reasons are the triggers that stopped runs early (rolled back or
	// failed), most frequent first.
	Reasons []Reason `json:"reasons,omitempty"`
	// CutOff counts the runs whose measurement the cap
	// (deployment.settle_max) ended while the world was not yet quiet;
	// nil when there were none.
	CutOff *CutOff `json:"cut_off,omitempty"`
	Expect []Check `json:"expect"`

	// Values holds every run's metrics (in replication order, in the
	// order of models.MetricNames) and Outcomes every run's outcome.
	Values      [][]float64          `json:"-"`
	RunOutcomes []strategies.Outcome `json:"-"`
	// Sample is the first replication's full result (timeline, marks) for
	// reports.
	Sample *models.Result `json:"-"`
	// Timeline is present when Options.Timeline asked for it.
	Timeline *Timeline `json:"timeline,omitempty"`
}

// CutOff says how often, and why, the measurement cap ended runs whose
// harm was still going on: what came after the cap is not counted.
type CutOff struct {
	Runs       int     `json:"runs"`
	SettleMaxS float64 `json:"settle_max_s"`
	// Reasons counts what was still going on, by kind.
	Reasons map[string]int `json:"reasons"`
}

// Reason is one trigger that stopped runs before their end, and how many
// it stopped.
type Reason struct {
	// Trigger is the kind: alarm, analysis, judge, breaker, deadline,
	// human, approval, health, lifecycle, migration, time_limit or
	// end_state.
	Trigger string `json:"trigger"`
	// Name is which one, for kinds with several (the alarm's or analysis
	// metric's name, the approval gate, the lifecycle event).
	Name string `json:"name,omitempty"`
	// Reason is the first such run's reason, verbatim.
	Reason string `json:"reason"`
	Runs   int    `json:"runs"`
}

// Metrics maps metric names to their statistics.
type Metrics map[string]Stats

// MarshalJSON encodes the metrics in the order of models.MetricNames.
func (m Metrics) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	first := true
	for _, n := range models.MetricNames {
		s, ok := m[n]
		if !ok {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		k, _ := json.Marshal(n)
		v, err := json.Marshal(s)
		if err != nil {
			return nil, err
		}
		b = append(append(append(b, k...), ':'), v...)
	}
	return append(b, '}'), nil
}

// Stats summarises one metric over the runs where it applied (N of them):
// NaN (null in JSON) where undefined.
type Stats struct {
	N                       int
	Mean, StdDev, P50, P95  float64
	CILow, CIHigh, Min, Max float64
	P90, P99                float64
}

func (s Stats) stat(name string) float64 {
	switch name {
	case "mean":
		return s.Mean
	case "stddev":
		return s.StdDev
	case "p50":
		return s.P50
	case "p90":
		return s.P90
	case "p95":
		return s.P95
	case "p99":
		return s.P99
	case "min":
		return s.Min
	case "max":
		return s.Max
	case "ci_low":
		return s.CILow
	case "ci_high":
		return s.CIHigh
	}
	return math.NaN()
}

// MarshalJSON writes the documented fields, NaN as null.
func (s Stats) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		N      int         `json:"n"`
		Mean   *float64    `json:"mean"`
		StdDev *float64    `json:"stddev"`
		P50    *float64    `json:"p50"`
		P95    *float64    `json:"p95"`
		CI95   [2]*float64 `json:"ci95"`
		Min    *float64    `json:"min"`
		Max    *float64    `json:"max"`
	}{s.N, nullable(s.Mean), nullable(s.StdDev), nullable(s.P50), nullable(s.P95),
		[2]*float64{nullable(s.CILow), nullable(s.CIHigh)}, nullable(s.Min), nullable(s.Max)})
}

// Summarize computes the statistics of xs, skipping NaN (a metric that did
// not apply to a run). The 95 % confidence interval of the mean is
// t-based: mean ± t(0.975, n−1)·s/√n.
func Summarize(xs []float64) Stats {
	v := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	nan := math.NaN()
	s := Stats{N: len(v), Mean: nan, StdDev: nan, P50: nan, P90: nan, P95: nan, P99: nan,
		CILow: nan, CIHigh: nan, Min: nan, Max: nan}
	if len(v) == 0 {
		return s
	}
	slices.Sort(v)
	s.Min, s.Max = v[0], v[len(v)-1]
	q := func(p float64) float64 { return stat.Quantile(p, stat.LinInterp, v, nil) }
	s.P50, s.P90, s.P95, s.P99 = q(0.5), q(0.9), q(0.95), q(0.99)
	if len(v) == 1 {
		s.Mean = v[0]
		return s
	}
	s.Mean, s.StdDev = stat.MeanStdDev(v, nil)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(v) - 1)}.Quantile(0.975)
	h := t * s.StdDev / math.Sqrt(float64(len(v)))
	s.CILow, s.CIHigh = s.Mean-h, s.Mean+h
	return s
}

// ReplicationSeed is the world seed of replication r: every strategy sees
// the same seeds (common random numbers), so that differences between
// strategies are not drowned by differences between worlds.
func ReplicationSeed(root uint64, r int) uint64 {
	return sim.NewStreams(root).Child(uint64(r)).Seed()
}

// RunOnce runs strategy st once in a world of seed seed.
func (sc *Scenario) RunOnce(ctx context.Context, st *Strategy, seed uint64) (models.Result, error) {
	return sc.RunWith(ctx, st, seed, nil)
}

// RunWith is RunOnce that first hands the new world to before, which may
// start processes in it (a live monitor pacing the run against the wall
// clock, say) before the deployment runs.
func (sc *Scenario) RunWith(ctx context.Context, st *Strategy, seed uint64, before func(*models.World)) (res models.Result, err error) {
	// A panic is a bug: report it with what reproduces it instead of
	// taking the other runs down. The first panic is the one that
	// matters: closing a world whose run panicked may panic again.
	bug := func() {
		if p := recover(); p != nil && err == nil {
			err = &InternalError{Scenario: sc.Name, Strategy: st.Label, WorldSeed: seed, Replication: -1,
				Panic: p, Stack: debug.Stack()}
		}
	}
	defer bug()
	w, err := models.NewContext(ctx, sc.Config, seed)
	if err != nil {
		return res, fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	defer w.Close()
	defer bug()
	strat, err := st.New()
	if err != nil {
		return res, fmt.Errorf("scenario %s: strategy %s: %w", sc.Name, st.Label, err)
	}
	sc.schedule(w, sc.Deployment.At)
	if before != nil {
		before(w)
	}
	res, err = w.Deploy(ctx, models.Deployment{
		Strategy: strat, To: sc.Deployment.To, At: sc.Deployment.At, Settle: sc.Deployment.Settle,
		SettleMax: sc.Deployment.SettleMax,
		Limit:     sc.TimeLimit, Migrations: sc.Deployment.Migrations, Flag: sc.Deployment.Flag,
		Contraindications: sc.Deployment.Contraindications,
	})
	if err == nil && res.Trigger.Kind == strategies.TriggerError {
		// The world refused a call the controller needed: a problem of the
		// setup, not something the deployment did to users.
		err = fmt.Errorf("scenario %s, strategy %s, world seed %d: the strategy could not carry out the deployment: %s",
			sc.Name, st.Label, seed, res.Reason)
	}
	return res, sc.runError(err)
}

// runError turns an input error found while running — an expression that
// failed to evaluate — into a *LoadError at the line the expression was
// written on (exit 2); other errors pass unchanged.
func (sc *Scenario) runError(err error) error {
	var ee *models.ExprError
	if !errors.As(err, &ee) {
		return err
	}
	fe := FieldError{File: sc.Source, Field: ee.Field, Msg: ee.Err.Error()}
	for p := ee.Field; p != ""; p = parentPath(p) {
		if at, ok := sc.pos[p]; ok {
			fe.Line, fe.Col = at[0], at[1]
			break
		}
	}
	return &LoadError{Errs: []FieldError{fe}}
}

// Run runs the experiment: Replications runs of every strategy on
// opts.Workers goroutines, aggregated in replication order so that the
// report is identical whatever the number of workers. When ctx is
// cancelled it returns what finished, with an error wrapping
// ErrInterrupted.
func (sc *Scenario) Run(ctx context.Context, opts Options) (*Report, error) {
	reps, seed := sc.Replications, sc.Seed
	if opts.Replications > 0 {
		reps = opts.Replications
	}
	if opts.Seed != nil {
		seed = *opts.Seed
	}
	if err := sc.CheckRun(opts); err != nil {
		return nil, err
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	total := reps * len(sc.Strategies)
	workers = max(1, min(workers, total))
	type slot struct {
		res   models.Result
		trace trace
		done  bool
	}
	slots := make([]slot, total)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next, finished atomic.Int64
		firstErr       error
		errOnce        sync.Once
		wg             sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				k := int(next.Add(1) - 1)
				if k >= total {
					return
				}
				// Execution runs replication-major, mixing long and short
				// strategies so that no worker is left with a tail of slow
				// runs; results land in strategy-major slots.
				s, r := k%len(sc.Strategies), k/len(sc.Strategies)
				k = s*reps + r
				st := &sc.Strategies[s]
				res, err := sc.RunOnce(ctx, st, ReplicationSeed(seed, r))
				if ie, ok := err.(*InternalError); ok {
					ie.RootSeed, ie.Replication = seed, r
				}
				if err != nil {
					if ctx.Err() == nil {
						errOnce.Do(func() { firstErr = err; cancel() })
					}
					return
				}
				var tr trace
				if opts.Timeline {
					tr = traceOf(&res)
				}
				res.Timeline.Points = trimTimeline(res, r)
				slots[k] = slot{res, tr, true}
				n := finished.Add(1)
				if opts.Progress != nil {
					opts.Progress(int(n), total)
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	rep := &Report{Scenario: sc.Name, Title: sc.Title, Seed: seed, Replications: reps, Complete: true}
	var exprErr error
	for s := range sc.Strategies {
		var runs []models.Result
		var traces []trace
		for r := range reps {
			if sl := slots[s*reps+r]; sl.done {
				runs = append(runs, sl.res)
				traces = append(traces, sl.trace)
			}
		}
		if len(runs) < reps {
			rep.Complete = false
		}
		sum, err := sc.summarize(&sc.Strategies[s], runs)
		if exprErr == nil {
			exprErr = err
		}
		if opts.Timeline && len(runs) > 0 && runs[0].Timeline.Points != nil {
			sum.Timeline = buildTimeline(sum.Sample, traces)
		}
		rep.Results = append(rep.Results, sum)
	}
	rep.Recommendation = sc.recommend(rep)
	if exprErr != nil {
		return rep, sc.runError(exprErr)
	}
	if !rep.Complete {
		return rep, fmt.Errorf("%w: %d of %d runs finished", ErrInterrupted, finished.Load(), total)
	}
	return rep, nil
}

// CheckRun refuses what Run would refuse before starting: more runs than
// MaxRuns (with opts.Replications) or an estimated memory above the
// budget (see Estimate). Errors wrap ErrInvalid.
func (sc *Scenario) CheckRun(opts Options) error {
	if err := checkRuns(pick(opts.Replications, sc.Replications), len(sc.Strategies)); err != nil {
		return err
	}
	return sc.checkMemory(opts)
}

// trimTimeline keeps the timeline of the first replication only: the
// others are summarised, and memory stays bounded by one run's buckets.
func trimTimeline(r models.Result, rep int) []models.Point {
	if rep == 0 {
		return r.Timeline.Points
	}
	return nil
}

// summarize computes a strategy's summary and evaluates its thresholds;
// the error is the first threshold that failed to evaluate.
func (sc *Scenario) summarize(st *Strategy, runs []models.Result) (*Summary, error) {
	s := &Summary{
		Label: st.Label, Strategy: st.Name, Config: st.Values, Runs: len(runs),
		Metrics: Metrics{}, Outcomes: map[string]float64{}, FailedByCause: map[string]float64{},
		Expect: []Check{},
	}
	for _, o := range strategies.Outcomes {
		s.Outcomes[o.String()] = 0
	}
	cols := make([][]float64, len(models.MetricNames))
	for i := range runs {
		r := &runs[i]
		if i == 0 {
			s.Sample = r
		}
		vals := r.Metrics.Values()
		s.Values = append(s.Values, vals)
		s.RunOutcomes = append(s.RunOutcomes, r.Outcome)
		for k, v := range vals {
			cols[k] = append(cols[k], v)
		}
		s.Outcomes[r.Outcome.String()]++
		for c, n := range r.FailedByCause {
			s.FailedByCause[c] += float64(n)
		}
		s.countReason(r)
		if r.CutOff != "" {
			if s.CutOff == nil {
				s.CutOff = &CutOff{SettleMaxS: sc.Deployment.SettleMax.Seconds(), Reasons: map[string]int{}}
			}
			s.CutOff.Runs++
			for _, why := range strings.Split(r.CutOff, "; ") {
				s.CutOff.Reasons[why]++
			}
		}
	}
	slices.SortStableFunc(s.Reasons, func(a, b Reason) int { return b.Runs - a.Runs })
	for k, n := range models.MetricNames {
		s.Metrics[n] = Summarize(cols[k])
	}
	if len(runs) > 0 {
		for o := range s.Outcomes {
			s.Outcomes[o] /= float64(len(runs))
		}
		for c := range s.FailedByCause {
			s.FailedByCause[c] /= float64(len(runs))
		}
	}
	var first error
	for i := range sc.expects {
		if e := &sc.expects[i]; e.appliesTo(st.Label) {
			c, err := e.eval(s)
			if err != nil && first == nil {
				first = &models.ExprError{Field: e.field, Err: err}
			}
			s.Expect = append(s.Expect, c)
		}
	}
	return s, first
}

// countReason counts the trigger that stopped run r, if any: runs with
// the same trigger (kind and name) count together, whatever values they
// measured, and the first one's words stand for them.
func (s *Summary) countReason(r *models.Result) {
	if r.Trigger.Kind == strategies.TriggerNone && r.Reason == "" {
		return
	}
	kind, name := r.Trigger.Kind.String(), r.Trigger.Name
	if kind == "" {
		kind = "other" // a strategy outside the catalogue gave a reason but no trigger
	}
	for i := range s.Reasons {
		if x := &s.Reasons[i]; x.Trigger == kind && x.Name == name {
			x.Runs++
			return
		}
	}
	s.Reasons = append(s.Reasons, Reason{Trigger: kind, Name: name, Reason: r.Reason, Runs: 1})
}
