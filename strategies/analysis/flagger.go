package analysis

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Flagger's built-in metric names.
const (
	// RequestSuccessRate is the share of non-5xx responses, in percent.
	RequestSuccessRate = "request-success-rate"
	// RequestDuration is a request latency (Flagger queries the p99), in
	// milliseconds.
	RequestDuration = "request-duration"
)

// Flagger's defaults.
const (
	DefaultFlaggerInterval  = time.Minute      // analysis.interval
	MinFlaggerInterval      = 10 * time.Second // shorter intervals are raised to this
	DefaultFlaggerThreshold = 1                // analysis.threshold
	DefaultMetricInterval   = time.Minute      // a metric's query window
)

// ThresholdRange bounds a metric's accepted values; a nil bound is open.
type ThresholdRange struct{ Min, Max *float64 }

// FlaggerMetric is one entry of a Flagger Canary's analysis.metrics.
type FlaggerMetric struct {
	// Name is RequestSuccessRate, RequestDuration, or any name for a
	// template metric whose value the caller computes.
	Name string
	// Interval is the query window; 0 means DefaultMetricInterval.
	Interval       time.Duration
	ThresholdRange ThresholdRange
	// Threshold is Flagger's deprecated single bound, used when
	// ThresholdRange has neither bound: a minimum for RequestSuccessRate,
	// a maximum for everything else.
	Threshold float64
}

// FlaggerAnalysis is the part of a Flagger Canary's analysis that decides
// rollback. Traffic steps (stepWeight, maxWeight, iterations) belong to the
// strategy.
type FlaggerAnalysis struct {
	// Interval between checks; 0 means DefaultFlaggerInterval, and values
	// under MinFlaggerInterval are raised to it, as Flagger does.
	Interval time.Duration
	// Threshold is the number of failed checks that triggers rollback; 0
	// means DefaultFlaggerThreshold.
	Threshold int
	Metrics   []FlaggerMetric
}

// EffectiveInterval is the interval Flagger would schedule.
func (a FlaggerAnalysis) EffectiveInterval() time.Duration {
	switch {
	case a.Interval == 0:
		return DefaultFlaggerInterval
	case a.Interval < MinFlaggerInterval:
		return MinFlaggerInterval
	}
	return a.Interval
}

// EffectiveThreshold is the failed-check count that triggers rollback.
func (a FlaggerAnalysis) EffectiveThreshold() int {
	if a.Threshold > 0 {
		return a.Threshold
	}
	return DefaultFlaggerThreshold
}

// Validate rejects negative settings and NaN bounds.
func (a FlaggerAnalysis) Validate() error {
	if a.Interval < 0 || a.Threshold < 0 {
		return fmt.Errorf("analysis: flagger interval %v and threshold %d must be >= 0", a.Interval, a.Threshold)
	}
	for i, m := range a.Metrics {
		bad := func(p *float64) bool { return p != nil && math.IsNaN(*p) }
		switch {
		case m.Name == "":
			return fmt.Errorf("analysis: flagger metrics[%d]: name is empty", i)
		case m.Interval < 0:
			return fmt.Errorf("analysis: flagger metric %q: interval %v must be >= 0", m.Name, m.Interval)
		case bad(m.ThresholdRange.Min) || bad(m.ThresholdRange.Max) || math.IsNaN(m.Threshold):
			return fmt.Errorf("analysis: flagger metric %q: threshold is NaN", m.Name)
		}
	}
	return nil
}

// Reading is one metric's query result for a check.
type Reading struct {
	Value float64
	// NoData marks an empty query result (no traffic reached the canary).
	// A NaN Value counts as no data too.
	NoData bool
}

// CheckResult is the outcome of one Flagger check.
type CheckResult struct {
	Passed bool
	// Metric names the first metric that failed, if any; Flagger stops at it.
	Metric string
	Reason string
	// FailedChecks is the running total after this check.
	FailedChecks int
}

// A FlaggerChecker counts failed checks as Flagger's scheduler does: every
// interval either passes or adds one failed check; failed checks are never
// reset by later passing checks, only by a new revision (Reset). It is not
// safe for concurrent use.
type FlaggerChecker struct {
	a      FlaggerAnalysis
	failed int
}

// NewFlaggerChecker validates a and returns a checker with no failed checks.
// The checker keeps its own copy of the metrics and bounds.
func NewFlaggerChecker(a FlaggerAnalysis) (*FlaggerChecker, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	a.Metrics = slices.Clone(a.Metrics)
	for i := range a.Metrics {
		r := &a.Metrics[i].ThresholdRange
		if r.Min != nil {
			r.Min = new(*r.Min)
		}
		if r.Max != nil {
			r.Max = new(*r.Max)
		}
	}
	return &FlaggerChecker{a: a}, nil
}

// ErrReadings is returned when a check gets a reading count that does not
// match the metrics.
var ErrReadings = errors.New("analysis: one reading per flagger metric required")

// Check runs one analysis check: readings[i] is the value of Metrics[i].
// The check fails at the first metric with no data or out of range.
func (c *FlaggerChecker) Check(readings []Reading) (CheckResult, error) {
	if len(readings) != len(c.a.Metrics) {
		return CheckResult{}, fmt.Errorf("%w: got %d for %d", ErrReadings, len(readings), len(c.a.Metrics))
	}
	for i, m := range c.a.Metrics {
		if reason := checkMetric(m, readings[i]); reason != "" {
			c.failed++
			return CheckResult{Metric: m.Name, Reason: reason, FailedChecks: c.failed}, nil
		}
	}
	return CheckResult{Passed: true, FailedChecks: c.failed}, nil
}

// checkMetric returns why r fails m, or "" if it passes.
func checkMetric(m FlaggerMetric, r Reading) string {
	if r.NoData || math.IsNaN(r.Value) {
		return fmt.Sprintf("no values found for metric %s", m.Name)
	}
	unit := ""
	switch m.Name {
	case RequestSuccessRate:
		unit = "%"
	case RequestDuration:
		unit = "ms"
	}
	lo, hi := m.ThresholdRange.Min, m.ThresholdRange.Max
	if lo == nil && hi == nil {
		// The deprecated threshold: a floor for success rate, else a ceiling.
		t := m.Threshold
		if m.Name == RequestSuccessRate {
			lo = &t
		} else {
			hi = &t
		}
	}
	switch {
	case lo != nil && r.Value < *lo:
		return fmt.Sprintf("%s %v%s < %v%s", m.Name, r.Value, unit, *lo, unit)
	case hi != nil && r.Value > *hi:
		return fmt.Sprintf("%s %v%s > %v%s", m.Name, r.Value, unit, *hi, unit)
	}
	return ""
}

// FailedChecks returns the number of failed checks so far.
func (c *FlaggerChecker) FailedChecks() int { return c.failed }

// RollbackDue reports whether the failed checks have reached the threshold.
// Flagger tests this at the start of each interval, before that interval's
// check, so the rollback follows the threshold-th failure by one interval.
func (c *FlaggerChecker) RollbackDue() bool { return c.failed >= c.a.EffectiveThreshold() }

// Reset clears the failed checks, as Flagger does when a new revision
// restarts the analysis.
func (c *FlaggerChecker) Reset() { c.failed = 0 }
