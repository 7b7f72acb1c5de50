package models

import (
	"fmt"
	"time"

	"github.com/deploysim/deploysim/models/observe"
	"github.com/deploysim/deploysim/strategies"
)

// alarm is an AlarmSpec compiled: what to measure and the CloudWatch
// evaluator that turns datapoints into states.
type alarm struct {
	spec    AlarmSpec
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

func parseAlarm(a AlarmSpec) (alarm, error) {
	al := alarm{spec: a, version: a.Version}
	if a.Name == "" {
		return al, fmt.Errorf("alarm name: must not be empty")
	}
	if a.Metric == "healthy_hosts" {
		al.healthy = true
	} else {
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
		if a.healthy {
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
