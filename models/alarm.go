package models

import (
	"fmt"
	"math"
	"time"

	"github.com/deploysim/deploysim/internal/sandbox"
	"github.com/deploysim/deploysim/models/observe"
	"github.com/deploysim/deploysim/strategies"
)

// alarm is an AlarmSpec compiled: what to measure and the CloudWatch
// evaluator that turns datapoints into states.
type alarm struct {
	spec    AlarmSpec
	index   int              // in Config.Alarms, for errors
	prog    *sandbox.Program // Expression, compiled
	metric  observe.Metric
	stat    observe.Statistic
	healthy bool // healthy_hosts, measured from the world rather than requests
	version string
	slots   int // observation slots per alarm period
	eval    *observe.AlarmEvaluator
}

// AlarmMetrics lists the metric names an alarm may use.
var AlarmMetrics = []string{
	"error_rate", "success_rate", "errors", "requests",
	"latency_p50", "latency_p90", "latency_p99", "latency_mean", "healthy_hosts",
}

// metricStat maps a metric name to the observe metric and statistic.
func metricStat(name string) (observe.Metric, observe.Statistic, error) {
	switch name {
	case "error_rate":
		return observe.MetricErrorRate, observe.StatAverage, nil
	case "success_rate":
		return observe.MetricSuccessRate, observe.StatAverage, nil
	case "errors":
		return observe.MetricErrors, observe.StatSum, nil
	case "requests":
		return observe.MetricRequests, observe.StatSum, nil
	case "latency_mean":
		return observe.MetricLatency, observe.StatAverage, nil
	case "latency_p50", "latency_p90", "latency_p99":
		s, err := observe.ParseStatistic(name[len("latency_"):])
		return observe.MetricLatency, s, err
	}
	return 0, 0, fmt.Errorf("metric %q: allowed %v", name, AlarmMetrics)
}

// CheckAlarm reports what is wrong with an alarm, naming the field and the
// allowed values (nil when it can be evaluated).
func CheckAlarm(a AlarmSpec) error {
	_, err := parseAlarm(a)
	return err
}

func parseAlarm(a AlarmSpec) (alarm, error) {
	al := alarm{spec: a, version: a.Version}
	if a.Name == "" {
		return al, fmt.Errorf("alarm name: must not be empty")
	}
	switch {
	case a.Expression != "":
		if a.Metric != "" {
			return al, fmt.Errorf("alarm %q: set metric or expression, not both", a.Name)
		}
		prog, err := CompileAlarmExpression(a.Expression)
		if err != nil {
			return al, fmt.Errorf("alarm %q: expression: %w", a.Name, err)
		}
		al.prog = prog
		if prog.IsBool && a.Comparison == "" {
			a.Comparison, a.Threshold = ">=", 1
		}
	case a.Metric == "healthy_hosts":
		al.healthy = true
	default:
		m, s, err := metricStat(a.Metric)
		if err != nil {
			return al, fmt.Errorf("alarm %q: %w", a.Name, err)
		}
		al.metric, al.stat = m, s
	}
	cmp, err := observe.ParseComparison(a.Comparison)
	if err != nil {
		return al, fmt.Errorf("alarm %q: %w", a.Name, err)
	}
	treat := observe.TreatMissingData(0)
	if a.TreatMissingData != "" {
		if treat, err = observe.ParseTreatMissingData(a.TreatMissingData); err != nil {
			return al, fmt.Errorf("alarm %q: %w", a.Name, err)
		}
	}
	n := a.EvaluationPeriods
	if n == 0 {
		n = 1
	}
	al.eval, err = observe.NewAlarmEvaluator(observe.Alarm{
		Threshold: a.Threshold, Comparison: cmp, EvaluationPeriods: n,
		DatapointsToAlarm: a.DatapointsToAlarm, TreatMissingData: treat,
	})
	if err != nil {
		return al, fmt.Errorf("alarm %q: %w", a.Name, err)
	}
	return al, nil
}

// bindAlarms fixes each alarm's period in observation slots and resolves
// "$from"/"$to" once the release is known.
func (w *World) bindAlarms(from, to string) {
	for k := range w.alarms {
		a := &w.alarms[k]
		p := a.spec.Period
		if p == 0 {
			p = time.Minute
		}
		a.slots = max(1, int((p+w.meter.slot-1)/w.meter.slot))
		switch a.spec.Version {
		case "$from":
			a.version = from
		case "$to":
			a.version = to
		}
	}
}

// evaluateAlarms is called at the close of every observation slot.
func (w *World) evaluateAlarms(slot int64) {
	for k := range w.alarms {
		a := &w.alarms[k]
		if a.slots == 0 || (slot+1)%int64(a.slots) != 0 {
			continue
		}
		var v float64
		var ok bool
		if a.prog != nil {
			v, ok = w.alarmExpression(a)
		} else if a.healthy {
			v, ok = float64(w.healthyHostsOf(a.version)), true
		} else {
			p := w.meter.window(strategies.Scope{Version: strategies.Version(a.version)}, a.slots)
			v, ok = p.Value(a.stat, a.metric)
		}
		before := a.eval.State()
		after := a.eval.Observe(v, ok)
		if after != before {
			w.mark("alarm", "%s %v → %v (%s = %.4g)", a.spec.Name, before, after, a.spec.Metric, v)
		}
	}
}

// healthyHostsOf counts healthy serving targets running version ver ("" =
// any) in every target group.
func (w *World) healthyHostsOf(ver string) int {
	n := 0
	for tg := range w.tgs {
		for _, t := range w.tgs[tg].targets {
			in := &w.insts[t.inst]
			if t.state == strategies.TargetHealthy && in.serving && (ver == "" || w.versions[in.ver].spec.Name == ver) {
				n++
			}
		}
	}
	return n
}

func (w *World) alarmState(name string) (strategies.AlarmState, error) {
	for k := range w.alarms {
		if w.alarms[k].spec.Name == name {
			switch w.alarms[k].eval.State() {
			case observe.StateOK:
				return strategies.AlarmOK, nil
			case observe.StateAlarm:
				return strategies.InAlarm, nil
			}
			return strategies.InsufficientData, nil
		}
	}
	return 0, fmt.Errorf("alarm %q: %w", name, strategies.ErrNotFound)
}

// AlarmEnv is what an alarm expression sees: one alarm period of the
// alarm's scope. Rates are fractions, latencies milliseconds.
type AlarmEnv struct {
	ErrorRate    float64 `expr:"error_rate"`
	SuccessRate  float64 `expr:"success_rate"`
	Errors       float64 `expr:"errors"`
	Requests     float64 `expr:"requests"`
	LatencyP50   float64 `expr:"latency_p50"`
	LatencyP90   float64 `expr:"latency_p90"`
	LatencyP99   float64 `expr:"latency_p99"`
	LatencyMean  float64 `expr:"latency_mean"`
	HealthyHosts float64 `expr:"healthy_hosts"`
}

// AlarmExprNames lists the names an alarm expression may use.
var AlarmExprNames = AlarmMetrics

// AlarmExpressions is the sandbox context of alarm expressions: the names
// of AlarmEnv, arithmetic, comparisons, logic and the pure functions abs,
// ceil, floor, round, min and max (no time, no I/O, no predicates).
var AlarmExpressions = &sandbox.Context{
	Name: "alarm expression", Env: AlarmEnv{}, Builtins: sandbox.Numeric,
	Result: sandbox.NumberOrBool,
}

// CompileAlarmExpression compiles an alarm expression once, in the
// AlarmExpressions sandbox: an unknown name, a function not allowed, an
// expression over the sandbox's limits, or a result that is neither a
// number nor a boolean is an error (a *sandbox.Error). The program
// reports whether its result is a boolean.
func CompileAlarmExpression(src string) (*sandbox.Program, error) {
	return AlarmExpressions.Compile(src)
}

// alarmExpression evaluates an alarm's expression over its last period.
func (w *World) alarmExpression(a *alarm) (float64, bool) {
	p := w.meter.window(strategies.Scope{Version: strategies.Version(a.version)}, a.slots)
	if p.Requests() == 0 {
		return 0, false
	}
	ms := func(q float64) float64 { return float64(p.Latency.Quantile(q)) / float64(time.Millisecond) }
	env := AlarmEnv{
		ErrorRate: p.ErrorRate(), SuccessRate: p.SuccessRatio(),
		Errors: float64(p.Errors()), Requests: float64(p.Requests()),
		LatencyP50: ms(0.5), LatencyP90: ms(0.9), LatencyP99: ms(0.99),
		LatencyMean:  float64(p.Latency.Mean()) / float64(time.Millisecond),
		HealthyHosts: float64(w.healthyHostsOf(a.version)),
	}
	out, err := a.prog.Run(env)
	if err != nil {
		// An input error, not a broken invariant: the run stops and the
		// scenario reports the expression with its line.
		w.Fail(&ExprError{Field: fmt.Sprintf("alarms[%d].expression", a.index), Err: err})
		return 0, false
	}
	switch v := out.(type) {
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	case float64:
		return v, !math.IsNaN(v)
	}
	return 0, false // Run returns a bool or a float64 for NumberOrBool
}
