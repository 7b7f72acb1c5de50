package observe

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestCauseNames(t *testing.T) {
	want := []string{"ok", "app_error", "overload", "no_healthy_target", "connection_reset", "refused", "timeout", "schema"}
	if NumCauses != len(want) {
		t.Fatalf("NumCauses = %d, want %d", NumCauses, len(want))
	}
	for i, name := range want {
		c := Cause(i)
		if c.String() != name {
			t.Errorf("Cause(%d).String() = %q, want %q", i, c.String(), name)
		}
		if got, err := ParseCause(name); err != nil || got != c {
			t.Errorf("ParseCause(%q) = %v, %v", name, got, err)
		}
		if c.Failed() != (c != CauseOK) {
			t.Errorf("%v.Failed() = %v", c, c.Failed())
		}
	}
	if _, err := ParseCause("5xx"); err == nil || !strings.Contains(err.Error(), "no_healthy_target") {
		t.Errorf("ParseCause error should list the causes, got %v", err)
	}
}

func TestMetricNames(t *testing.T) {
	for m := range Metric(numMetrics) {
		if got, err := ParseMetric(m.String()); err != nil || got != m {
			t.Errorf("ParseMetric(%q) = %v, %v", m.String(), got, err)
		}
	}
	if _, err := ParseMetric("latency_p99"); err == nil || !strings.Contains(err.Error(), "success_rate") {
		t.Errorf("ParseMetric error should list the metrics, got %v", err)
	}
}

func TestCheckStatistic(t *testing.T) {
	p99, _ := ParseStatistic("p99")
	tests := []struct {
		m    Metric
		s    Statistic
		okay bool
	}{
		{MetricRequests, StatSum, true},
		{MetricRequests, StatSampleCount, true},
		{MetricRequests, StatAverage, false},
		{MetricErrors, StatSum, true},
		{MetricErrors, p99, false},
		{MetricErrorRate, StatAverage, true},
		{MetricErrorRate, StatSum, false},
		{MetricSuccessRate, StatAverage, true},
		{MetricSuccessRate, StatMinimum, false},
		{MetricLatency, p99, true},
		{MetricLatency, StatAverage, true},
		{MetricLatency, StatMaximum, true},
		{MetricLatency, StatSum, false},
		{Metric(99), StatSum, false},
	}
	for _, tt := range tests {
		t.Run(tt.m.String()+"/"+tt.s.String(), func(t *testing.T) {
			err := tt.m.CheckStatistic(tt.s)
			var fe *FieldError
			if tt.okay != (err == nil) || (err != nil && !errors.As(err, &fe)) {
				t.Errorf("CheckStatistic = %v, want ok=%v", err, tt.okay)
			}
		})
	}
}

func TestPeriodValues(t *testing.T) {
	var p Period
	for _, m := range []Metric{MetricRequests, MetricErrorRate, MetricLatency} {
		stat := StatSum
		if m != MetricRequests {
			stat = StatAverage
		}
		if _, ok := p.Value(stat, m); ok {
			t.Errorf("empty period has a %v datapoint, want missing", m)
		}
	}
	if p.SuccessRatio() != 1 || p.ErrorRate() != 0 {
		t.Errorf("empty period: SuccessRatio %v, ErrorRate %v; want 1, 0", p.SuccessRatio(), p.ErrorRate())
	}
	// 6 ok at 10 ms, 1 timeout at 1 s, 1 app error at 2 ms, 2 overloads at 1 ms.
	for range 6 {
		p.Add(CauseOK, 10*time.Millisecond)
	}
	p.Add(CauseTimeout, time.Second)
	p.Add(CauseAppError, 2*time.Millisecond)
	p.Add(CauseOverload, time.Millisecond)
	p.Add(CauseOverload, time.Millisecond)

	p50, _ := ParseStatistic("p50")
	p99, _ := ParseStatistic("p99")
	tests := []struct {
		name string
		stat Statistic
		m    Metric
		want float64
		tol  float64 // relative
	}{
		{"requests", StatSum, MetricRequests, 10, 0},
		{"requests sample count", StatSampleCount, MetricRequests, 10, 0},
		{"errors", StatSum, MetricErrors, 4, 0},
		{"error rate", StatAverage, MetricErrorRate, 0.4, 0},
		{"success rate", StatAverage, MetricSuccessRate, 0.6, 0},
		{"latency mean ms", StatAverage, MetricLatency, (60 + 1000 + 2 + 2) / 10.0, 0},
		{"latency min ms", StatMinimum, MetricLatency, 1, 0},
		{"latency max ms", StatMaximum, MetricLatency, 1000, 0},
		{"latency count", StatSampleCount, MetricLatency, 10, 0},
		{"latency p50 ms", p50, MetricLatency, 10, MaxRelativeError},
		{"latency p99 ms", p99, MetricLatency, 1000, 0}, // rank 10 of 10: the exact max
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := p.Value(tt.stat, tt.m)
			if !ok || math.Abs(got-tt.want) > tt.tol*tt.want {
				t.Errorf("Value(%v, %v) = %v, %v; want %v (±%v relative)", tt.stat, tt.m, got, ok, tt.want, tt.tol)
			}
		})
	}
	if p.Requests() != p.Latency.Count() {
		t.Errorf("Requests %d != Latency.Count %d", p.Requests(), p.Latency.Count())
	}
	mustPanic(t, "unchecked combination", func() { p.Value(StatAverage, MetricRequests) })
	mustPanic(t, "unknown cause", func() { p.Add(NumCauses, 0) })
}

func TestPeriodMerge(t *testing.T) {
	var a, b, all Period
	for i := range 100 {
		c := Cause(i % NumCauses)
		d := time.Duration(i*i) * time.Microsecond
		all.Add(c, d)
		if i%3 == 0 {
			a.Add(c, d)
		} else {
			b.Add(c, d)
		}
	}
	a.Merge(&b)
	if a != all {
		t.Errorf("Merge differs from adding all")
	}
	a.Reset()
	if a != (Period{}) {
		t.Errorf("Reset should empty the period")
	}
}
