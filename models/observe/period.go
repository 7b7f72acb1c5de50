package observe

import (
	"strconv"
	"strings"
	"time"
)

// Cause is the outcome of one request: CauseOK or the reason it failed.
type Cause uint8

// The causes, in a fixed order that indexes Period.ByCause.
const (
	CauseOK              Cause = iota // served successfully
	CauseAppError                     // the application answered with an error
	CauseOverload                     // rejected by a full instance queue
	CauseNoHealthyTarget              // the load balancer had nowhere to send it
	CauseConnectionReset              // the instance died while serving it
	CauseRefused                      // sent to an instance that was not listening
	CauseTimeout                      // no answer within the timeout
	CauseSchema                       // served by a version incompatible with the schema

	// NumCauses is the number of causes.
	NumCauses = iota
)

var causeNames = [NumCauses]string{
	"ok", "app_error", "overload", "no_healthy_target",
	"connection_reset", "refused", "timeout", "schema",
}

// String returns the cause's name as used in scenario files, JSON and
// assertions: "ok", "app_error", "overload", "no_healthy_target",
// "connection_reset", "refused", "timeout" or "schema".
func (c Cause) String() string {
	if c < NumCauses {
		return causeNames[c]
	}
	return "Cause(" + strconv.Itoa(int(c)) + ")"
}

// Failed reports whether c is a failure (anything but CauseOK).
func (c Cause) Failed() bool { return c != CauseOK }

// ParseCause parses a cause name as returned by Cause.String.
func ParseCause(s string) (Cause, error) {
	for c, name := range causeNames {
		if s == name {
			return Cause(c), nil
		}
	}
	return 0, fieldErr("cause", strconv.Quote(s), strings.Join(causeNames[:], ", "))
}

// Metric names a per-period metric of a Period.
//
//	requests      requests that completed (successfully or not) in the period
//	errors        of which failed, whatever the cause
//	error_rate    errors / requests, a fraction in [0, 1]
//	success_rate  (requests − errors) / requests, a fraction in [0, 1]
//	latency       request latency in milliseconds, failed requests included
//
// A period without requests has no datapoint for any metric (as a load
// balancer publishes nothing while no request flows), which alarms see as
// missing data.
type Metric uint8

// The metrics.
const (
	MetricRequests Metric = iota
	MetricErrors
	MetricErrorRate
	MetricSuccessRate
	MetricLatency

	numMetrics = iota
)

var metricNames = [numMetrics]string{"requests", "errors", "error_rate", "success_rate", "latency"}

// String returns the metric's name.
func (m Metric) String() string {
	if m < numMetrics {
		return metricNames[m]
	}
	return "Metric(" + strconv.Itoa(int(m)) + ")"
}

// ParseMetric parses a metric name as returned by Metric.String.
func ParseMetric(s string) (Metric, error) {
	for m, name := range metricNames {
		if s == name {
			return Metric(m), nil
		}
	}
	return 0, fieldErr("metric", strconv.Quote(s), strings.Join(metricNames[:], ", "))
}

// CheckStatistic returns an error unless s applies to m:
//
//	requests, errors          Sum, SampleCount (both the count)
//	error_rate, success_rate  Average (the period's ratio)
//	latency                   Average, Minimum, Maximum, SampleCount, pNN
//
// Call it when a configuration is loaded; Period.Value treats an unchecked
// combination as a bug.
func (m Metric) CheckStatistic(s Statistic) error {
	var ok bool
	var allowed string
	switch m {
	case MetricRequests, MetricErrors:
		ok, allowed = s == StatSum || s == StatSampleCount, "Sum or SampleCount"
	case MetricErrorRate, MetricSuccessRate:
		ok, allowed = s == StatAverage, "Average"
	case MetricLatency:
		ok = s == StatAverage || s == StatMinimum || s == StatMaximum || s == StatSampleCount || s.IsPercentile()
		allowed = "Average, Minimum, Maximum, SampleCount or a percentile such as p99"
	default:
		return fieldErr("metric", m, strings.Join(metricNames[:], ", "))
	}
	if !ok {
		return fieldErr("statistic", s, allowed+" for metric "+m.String())
	}
	return nil
}

// Period aggregates the requests of one scope (a target group, a version, …)
// over one metric period. The zero value is empty. Like Histogram it holds no
// pointers, so arrays of Periods are cheap to keep, copy and reset; its size
// is 1592 bytes on 64-bit platforms.
//
// ByCause[c] counts the requests with outcome c; the requests of all causes
// have their latency in Latency. Callers should change both through Add and
// Merge, which keep Latency.Count() equal to the sum of ByCause.
type Period struct {
	ByCause [NumCauses]uint64
	Latency Histogram
}

// Add records one request with its outcome and latency (the time until it
// succeeded or failed).
func (p *Period) Add(c Cause, latency time.Duration) {
	if c >= NumCauses {
		bug("Add with unknown cause %d", c)
	}
	p.ByCause[c]++
	p.Latency.Record(latency)
}

// Merge adds o's requests to p.
func (p *Period) Merge(o *Period) {
	for c, n := range o.ByCause {
		p.ByCause[c] += n
	}
	p.Latency.Merge(&o.Latency)
}

// Reset empties p.
func (p *Period) Reset() { *p = Period{} }

// Requests returns the number of requests.
func (p *Period) Requests() uint64 {
	var n uint64
	for _, c := range p.ByCause {
		n += c
	}
	return n
}

// Errors returns the number of failed requests.
func (p *Period) Errors() uint64 { return p.Requests() - p.ByCause[CauseOK] }

// SuccessRatio returns the share of requests that succeeded, or 1 when there
// were none (nothing failed, so a period without traffic is not downtime).
func (p *Period) SuccessRatio() float64 {
	n := p.Requests()
	if n == 0 {
		return 1
	}
	return float64(p.ByCause[CauseOK]) / float64(n)
}

// ErrorRate returns the share of requests that failed, or 0 when there were
// none.
func (p *Period) ErrorRate() float64 {
	n := p.Requests()
	if n == 0 {
		return 0
	}
	return float64(n-p.ByCause[CauseOK]) / float64(n)
}

// Value returns the datapoint of metric m under statistic stat, and whether
// there is one (there is none for a period without requests). Latency is in
// milliseconds; rates are fractions. The combination must have passed
// m.CheckStatistic(stat); any other panics.
func (p *Period) Value(stat Statistic, m Metric) (float64, bool) {
	if err := m.CheckStatistic(stat); err != nil {
		bug("Period.Value: %v", err)
	}
	n := p.Requests()
	if n == 0 {
		return 0, false
	}
	switch m {
	case MetricRequests:
		return float64(n), true
	case MetricErrors:
		return float64(n - p.ByCause[CauseOK]), true
	case MetricErrorRate:
		return p.ErrorRate(), true
	case MetricSuccessRate:
		return p.SuccessRatio(), true
	}
	h := &p.Latency
	var d time.Duration
	switch stat {
	case StatSampleCount:
		return float64(h.Count()), true
	case StatAverage:
		d = h.Mean()
	case StatMinimum:
		d = h.Min()
	case StatMaximum:
		d = h.Max()
	default:
		d = h.Quantile(stat.quantile())
	}
	return float64(d) / float64(time.Millisecond), true
}
