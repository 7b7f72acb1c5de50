package analysis

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/deploysim/deploysim/internal/sandbox"
)

// Phase is the phase of an Argo Rollouts measurement, metric or analysis run.
// The strings are Argo's.
type Phase string

const (
	PhasePending      Phase = "Pending"
	PhaseRunning      Phase = "Running"
	PhaseSuccessful   Phase = "Successful"
	PhaseFailed       Phase = "Failed"
	PhaseError        Phase = "Error"
	PhaseInconclusive Phase = "Inconclusive"
)

// Completed reports whether p is final.
func (p Phase) Completed() bool {
	switch p {
	case PhaseSuccessful, PhaseFailed, PhaseError, PhaseInconclusive:
		return true
	}
	return false
}

// Argo's defaults.
const (
	// DefaultConsecutiveErrorLimit applies when Metric.ConsecutiveErrorLimit
	// is nil.
	DefaultConsecutiveErrorLimit = 4
	// DefaultErrorRetryInterval is how long Argo waits after an errored
	// measurement before the next one, whatever the metric's interval.
	DefaultErrorRetryInterval = 10 * time.Second
)

// ResultKind is the shape of the measurement bound to `result`.
type ResultKind int8

const (
	// ResultVector binds result to a []float64, as Argo's Prometheus
	// provider does for an instant vector: conditions read result[0].
	ResultVector ResultKind = iota
	// ResultScalar binds result to a float64 (a Prometheus scalar).
	ResultScalar
)

// Metric is one metric of an Argo Rollouts AnalysisTemplate, without its
// provider: the caller takes the measurements.
type Metric struct {
	Name string
	// Interval between measurements; 0 for none.
	Interval time.Duration
	// Count of measurements; see EffectiveCount for 0.
	Count int
	// SuccessCondition and FailureCondition are expressions over result;
	// see the package documentation for their grammar and environment.
	SuccessCondition, FailureCondition string
	// FailureLimit is how many Failed measurements are tolerated (default
	// 0); -1 disables the rule and needs ConsecutiveSuccessLimit > 0.
	FailureLimit int
	// InconclusiveLimit is how many Inconclusive measurements are tolerated
	// (default 0).
	InconclusiveLimit int
	// ConsecutiveErrorLimit is how many errors in a row are tolerated; nil
	// means DefaultConsecutiveErrorLimit.
	ConsecutiveErrorLimit *int
	// ConsecutiveSuccessLimit, when > 0, makes the metric Successful after
	// that many Successful measurements in a row (Argo v1.8+).
	ConsecutiveSuccessLimit int
	// Result is the shape of the measured value.
	Result ResultKind
}

// EffectiveCount is the number of measurements after which the metric
// completes: Count if set; otherwise 1 without an interval, and unbounded
// (ok = false) with one.
func (m Metric) EffectiveCount() (n int, ok bool) {
	switch {
	case m.Count > 0:
		return m.Count, true
	case m.Interval == 0:
		return 1, true
	}
	return 0, false
}

func (m Metric) consecutiveErrorLimit() int {
	if m.ConsecutiveErrorLimit == nil {
		return DefaultConsecutiveErrorLimit
	}
	return *m.ConsecutiveErrorLimit
}

// Validate applies Argo's ValidateMetric rules. It does not compile the
// conditions; NewEvaluator does.
func (m Metric) Validate() error {
	wrap := func(format string, a ...any) error {
		return fmt.Errorf("analysis: metric %q: "+format, append([]any{m.Name}, a...)...)
	}
	switch {
	case m.Name == "":
		return errors.New("analysis: metric name is empty")
	case m.Count < 0:
		return wrap("count %d must be >= 0", m.Count)
	case m.Interval < 0:
		return wrap("interval %v must be >= 0", m.Interval)
	case m.Count > 1 && m.Interval == 0:
		return wrap("interval must be specified when count > 1")
	case m.FailureLimit < -1:
		return wrap("failureLimit %d must be >= 0, or -1 to disable it", m.FailureLimit)
	case m.InconclusiveLimit < 0:
		return wrap("inconclusiveLimit %d must be >= 0", m.InconclusiveLimit)
	case m.consecutiveErrorLimit() < 0:
		return wrap("consecutiveErrorLimit %d must be >= 0", m.consecutiveErrorLimit())
	case m.ConsecutiveSuccessLimit < 0:
		return wrap("consecutiveSuccessLimit %d must be >= 0", m.ConsecutiveSuccessLimit)
	case m.FailureLimit < 0 && m.ConsecutiveSuccessLimit == 0:
		return wrap("failureLimit -1 needs consecutiveSuccessLimit > 0")
	case m.Count > 0 && (m.Count < m.FailureLimit || m.Count < m.InconclusiveLimit || m.Count < m.ConsecutiveSuccessLimit):
		return wrap("count %d must be >= failureLimit, inconclusiveLimit and consecutiveSuccessLimit", m.Count)
	case m.Result != ResultVector && m.Result != ResultScalar:
		return wrap("result kind %d not one of vector, scalar", m.Result)
	}
	return nil
}

// The typed environments conditions compile against. The helper functions
// mirror Argo's on numbers; Argo's string forms and isNil/default are absent
// because simulated measurements are always numbers.
type (
	vectorEnv struct {
		Result []float64 `expr:"result"`
		helpers
	}
	scalarEnv struct {
		Result float64 `expr:"result"`
		helpers
	}
	helpers struct {
		AsInt   func(float64) int     `expr:"asInt"`
		AsFloat func(float64) float64 `expr:"asFloat"`
		IsNaN   func(float64) bool    `expr:"isNaN"`
		IsInf   func(float64) bool    `expr:"isInf"`
	}
)

// MaxResultValues bounds the values of one measurement, so that a
// condition's cost over result is bounded at compile time.
const MaxResultValues = 1000

// Conditions are the sandbox contexts of analysis conditions, by result
// kind: result (a vector or a number), the helpers asInt, asFloat, isNaN
// and isInf, arithmetic, and the pure builtins abs, ceil, floor, round,
// min, max, len, all, any, none, one, filter, map, count, sum, mean,
// median, first and last. Argo compiles conditions with every expr-lang
// builtin; the clock (now, date, duration) and the rest are left out so
// that a run depends on its seed alone.
var Conditions = map[ResultKind]*sandbox.Context{
	ResultVector: conditionContext(vectorEnv{}),
	ResultScalar: conditionContext(scalarEnv{}),
}

func conditionContext(env any) *sandbox.Context {
	return &sandbox.Context{
		Name: "analysis condition", Env: env,
		Functions: []string{"asInt", "asFloat", "isNaN", "isInf"},
		Builtins: append([]string{"len", "all", "any", "none", "one", "filter", "map", "count", "sum",
			"mean", "median", "first", "last"}, sandbox.Numeric...),
		Lists: map[string]int{"result": MaxResultValues},
	}
}

var envHelpers = helpers{
	AsInt:   func(f float64) int { return int(f) },
	AsFloat: func(f float64) float64 { return f },
	IsNaN:   math.IsNaN,
	IsInf:   func(f float64) bool { return math.IsInf(f, 0) },
}

// Counts are a metric's measurement tallies (Argo's MetricResult counters).
// Count excludes errored measurements, as Argo's does.
type Counts struct {
	Count, Successful, Failed, Inconclusive, Error int
	ConsecutiveError, ConsecutiveSuccess           int
}

// Observation is what one measurement did.
type Observation struct {
	Measurement Phase // Successful, Failed, Inconclusive or Error
	Metric      Phase // the metric's phase after it
	Err         error // why the measurement errored, or ErrMetricCompleted
}

// ErrMetricCompleted is returned for measurements fed to a completed metric;
// they are not counted.
var ErrMetricCompleted = errors.New("analysis: metric already completed")

// An Evaluator assesses the measurements of one Metric as Argo's analysis
// controller does. Feed it completed measurements in order; it never reads a
// clock; the caller schedules measurements by Interval (and
// DefaultErrorRetryInterval after an error). It is not safe for concurrent
// use.
type Evaluator struct {
	m                Metric
	success, failure *sandbox.Program
	counts           Counts
	phase            Phase
}

// NewEvaluator validates m and compiles its conditions once. A condition
// naming an unknown variable or not yielding a bool is an error here rather
// than at every measurement.
func NewEvaluator(m Metric) (*Evaluator, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if m.ConsecutiveErrorLimit != nil { // keep the limit the caller cannot change
		m.ConsecutiveErrorLimit = new(*m.ConsecutiveErrorLimit)
	}
	e := &Evaluator{m: m, phase: PhasePending}
	var err error
	if e.success, err = compileCondition(m, "successCondition", m.SuccessCondition); err != nil {
		return nil, err
	}
	if e.failure, err = compileCondition(m, "failureCondition", m.FailureCondition); err != nil {
		return nil, err
	}
	return e, nil
}

func compileCondition(m Metric, field, cond string) (*sandbox.Program, error) {
	if cond == "" {
		return nil, nil
	}
	p, err := Conditions[m.Result].Compile(cond)
	if err != nil {
		// The sandbox's error quotes an excerpt of the condition.
		return nil, fmt.Errorf("analysis: metric %q: %s %w", m.Name, field, err)
	}
	return p, nil
}

// Metric returns the evaluated metric.
func (e *Evaluator) Metric() Metric { return e.m }

// Phase returns the metric's phase: Pending before the first measurement,
// Running until a rule completes it.
func (e *Evaluator) Phase() Phase { return e.phase }

// Counts returns the measurement tallies.
func (e *Evaluator) Counts() Counts { return e.counts }

// Assess returns the phase of a measurement with the given values without
// recording it: Error if a condition fails to evaluate (an index out of
// range, say) or a scalar metric gets other than one value; otherwise
// Failed if the failure condition holds, Successful if the success
// condition holds, Inconclusive if neither. A missing condition is the
// negation of the other; with neither, every measurement is Successful.
func (e *Evaluator) Assess(values ...float64) (Phase, error) {
	if e.success == nil && e.failure == nil {
		return PhaseSuccessful, nil
	}
	var env any
	if len(values) > MaxResultValues {
		return PhaseError, fmt.Errorf("analysis: metric %q: %d values, more than %d", e.m.Name, len(values), MaxResultValues)
	}
	if e.m.Result == ResultScalar {
		if len(values) != 1 {
			return PhaseError, fmt.Errorf("analysis: metric %q: scalar result needs one value, got %d", e.m.Name, len(values))
		}
		env = &scalarEnv{Result: values[0], helpers: envHelpers}
	} else {
		env = &vectorEnv{Result: values, helpers: envHelpers}
	}
	success, err := run(e.success, env)
	if err != nil {
		return PhaseError, fmt.Errorf("analysis: metric %q: successCondition: %w", e.m.Name, err)
	}
	failure, err := run(e.failure, env)
	if err != nil {
		return PhaseError, fmt.Errorf("analysis: metric %q: failureCondition: %w", e.m.Name, err)
	}
	switch {
	case e.failure == nil:
		failure = !success
	case e.success == nil:
		success = !failure
	}
	switch {
	case failure:
		return PhaseFailed, nil
	case success:
		return PhaseSuccessful, nil
	}
	return PhaseInconclusive, nil
}

// run evaluates a condition. As in Argo, an evaluation error (an index
// out of range) is the measurement's Error, not the analysis'.
func run(p *sandbox.Program, env any) (bool, error) {
	if p == nil {
		return false, nil
	}
	out, err := p.Run(env)
	if err != nil {
		return false, err
	}
	return out.(bool), nil // a Bool context returns a bool or an error
}

// Observe records a measurement that returned values and reassesses the
// metric.
func (e *Evaluator) Observe(values ...float64) Observation {
	if e.phase.Completed() {
		return Observation{Metric: e.phase, Err: ErrMetricCompleted}
	}
	ph, err := e.Assess(values...)
	return e.record(ph, err)
}

// ObserveError records a measurement whose provider failed (a query error,
// a timeout) and reassesses the metric.
func (e *Evaluator) ObserveError(err error) Observation {
	if e.phase.Completed() {
		return Observation{Metric: e.phase, Err: ErrMetricCompleted}
	}
	return e.record(PhaseError, err)
}

func (e *Evaluator) record(ph Phase, err error) Observation {
	c := &e.counts
	switch ph {
	case PhaseSuccessful:
		c.Successful++
		c.Count++
		c.ConsecutiveError = 0
		c.ConsecutiveSuccess++
	case PhaseFailed, PhaseInconclusive:
		if ph == PhaseFailed {
			c.Failed++
		} else {
			c.Inconclusive++
		}
		c.Count++
		c.ConsecutiveError = 0
		c.ConsecutiveSuccess = 0
	case PhaseError:
		c.Error++
		c.ConsecutiveError++
		c.ConsecutiveSuccess = 0
	}
	e.phase = e.assessMetric()
	return Observation{Measurement: ph, Metric: e.phase, Err: err}
}

// assessMetric is Argo's assessMetricStatus after a completed measurement.
func (e *Evaluator) assessMetric() Phase {
	m, c := e.m, e.counts
	// Later rules win, as in Argo, though one measurement moves only one
	// counter and so can break only one limit.
	ph := PhaseRunning
	if m.FailureLimit >= 0 && c.Failed > m.FailureLimit {
		ph = PhaseFailed
	}
	if c.Inconclusive > m.InconclusiveLimit {
		ph = PhaseInconclusive
	}
	if c.ConsecutiveError > m.consecutiveErrorLimit() {
		ph = PhaseError
	}
	if ph != PhaseRunning {
		return ph
	}
	successRule := m.ConsecutiveSuccessLimit > 0
	if successRule && c.ConsecutiveSuccess >= m.ConsecutiveSuccessLimit {
		return PhaseSuccessful
	}
	if n, ok := m.EffectiveCount(); ok && c.Count >= n {
		switch {
		case successRule && m.FailureLimit >= 0:
			return PhaseInconclusive // neither limit reached in count measurements
		case successRule:
			return PhaseFailed // the streak never came
		}
		return PhaseSuccessful
	}
	return PhaseRunning
}

// Terminate stops the metric, as Argo does when the run is terminated or
// another metric has completed Failed, Error or Inconclusive: a metric not
// yet completed becomes Successful. It returns the final phase.
func (e *Evaluator) Terminate() Phase {
	if !e.phase.Completed() {
		e.phase = PhaseSuccessful
	}
	return e.phase
}

// phaseRank orders phases from best to worst, as Argo's IsWorse does.
func phaseRank(p Phase) int {
	switch p {
	case PhaseSuccessful:
		return 0
	case PhaseRunning:
		return 1
	case PhasePending:
		return 2
	case PhaseInconclusive:
		return 3
	case PhaseError:
		return 4
	case PhaseFailed:
		return 5
	}
	return 0
}

// RunPhase combines metric phases into the analysis run's phase: Running
// while any metric is not completed (or there are none), else the worst,
// ordered Successful < Inconclusive < Error < Failed.
func RunPhase(metrics ...Phase) Phase {
	worst := Phase("")
	for _, p := range metrics {
		if !p.Completed() {
			return PhaseRunning
		}
		if worst == "" || phaseRank(p) > phaseRank(worst) {
			worst = p
		}
	}
	if worst == "" {
		return PhaseRunning
	}
	return worst
}

// Terminating reports whether a run with these metric phases stops taking
// measurements: some metric completed Failed, Error or Inconclusive. The
// caller then calls Terminate on the others.
func Terminating(metrics ...Phase) bool {
	for _, p := range metrics {
		switch p {
		case PhaseFailed, PhaseError, PhaseInconclusive:
			return true
		}
	}
	return false
}
