package models

import (
	"fmt"
	"time"

	"github.com/deploysim/deploysim/models/observe"
	"github.com/deploysim/deploysim/strategies"
)

// The Observer half of the contract: what a controller can see of the
// world's monitoring. Only closed observation slots are visible, as a
// monitoring system publishes a period's datapoint after the period ends.

func (c *cloud) AlarmState(name string) (strategies.AlarmState, error) { return c.w.alarmState(name) }

func (c *cloud) Window(s strategies.Scope, d time.Duration) strategies.Stats {
	return c.w.Window(s, d)
}

func (c *cloud) Samples(s strategies.Scope, metric string, d, period time.Duration) ([]float64, error) {
	return c.w.Samples(s, metric, d, period)
}

func (c *cloud) HealthyHosts(tg strategies.TargetGroupID) int {
	if _, err := c.w.targetGroup(tg); err != nil {
		return 0
	}
	return c.w.healthyTargets(int(tg))
}

// slotsFor is how many observation slots cover d.
func (w *World) slotsFor(d time.Duration) int {
	return max(1, int((d+w.meter.slot-1)/w.meter.slot))
}

// Window aggregates scope s over the last d.
func (w *World) Window(s strategies.Scope, d time.Duration) strategies.Stats {
	p := w.meter.window(s, w.slotsFor(d))
	return stats(&p)
}

func stats(p *observe.Period) strategies.Stats {
	n := p.Requests()
	st := strategies.Stats{
		Requests:    int64(n),
		Errors:      int64(p.Errors()),
		AppErrors:   int64(p.ByCause[observe.CauseAppError]),
		SuccessRate: p.SuccessRatio(),
		LatencyP50:  p.Latency.Quantile(0.5),
		LatencyP90:  p.Latency.Quantile(0.9),
		LatencyP99:  p.Latency.Quantile(0.99),
		LatencyMean: p.Latency.Mean(),
	}
	return st
}

// SampleMetrics lists the metrics Samples accepts.
var SampleMetrics = []string{"error_rate", "success_rate", "latency_p50", "latency_p90", "latency_p99", "latency_mean", "requests"}

// Samples returns one value of metric per period over the last d, oldest
// first, leaving out periods without requests.
func (w *World) Samples(s strategies.Scope, metric string, d, period time.Duration) ([]float64, error) {
	m, st, err := metricStat(metric)
	if err != nil || metric == "errors" {
		return nil, fmt.Errorf("samples: metric %q: allowed %v", metric, SampleMetrics)
	}
	per := w.slotsFor(period)
	n := w.slotsFor(d)
	groups := make([]observe.Period, (n+per-1)/per)
	w.meter.forSlots(s, n, 0, func(age int, p *observe.Period) {
		groups[age/per].Merge(p)
	})
	out := make([]float64, 0, len(groups))
	for k := len(groups) - 1; k >= 0; k-- {
		if v, ok := groups[k].Value(st, m); ok {
			out = append(out, v)
		}
	}
	return out, nil
}
