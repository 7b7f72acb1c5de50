package models

import (
	"math"
	"time"

	"github.com/deploysim/deploysim/models/observe"
	"github.com/deploysim/deploysim/strategies"
)

// Point is one timeline bucket.
type Point struct {
	At           time.Duration // bucket start
	Requests     int64
	Failed       int64
	SuccessRatio float64
	// WindowRatio is the success ratio over the SLO window ending with this
	// bucket (what downtime is judged on).
	WindowRatio float64
	P99         time.Duration
	Healthy     int // healthy serving capacity, all versions (instances)
	Instances   int // live instances (pending, in service, terminating)
	PerVersion  []VersionPoint
}

// VersionPoint is one version's part of a bucket.
type VersionPoint struct {
	Requests, Failed                int64
	Share                           float64 // of the requests that reached a version
	Healthy                         int
	Pending, InService, Terminating int
	P99                             time.Duration
}

// Metrics are the measurements of one run (DESIGN §5). Durations are in
// seconds; ratios are fractions; NaN marks a metric that does not apply
// (detection and rollback times of a run that never rolled back).
type Metrics struct {
	DeployDuration      float64
	Downtime            float64
	Availability        float64
	FailedRequests      float64
	ErrorBudgetBurn     float64
	BlastRadiusUsers    float64
	BlastRadiusRequests float64
	Exposure            float64
	Detection           float64
	Rollback            float64
	TimeToRecover       float64
	CapacityFloor       float64
	PeakInstances       float64
	ExtraInstanceHours  float64
	LatencyP50          float64 // milliseconds
	LatencyP99          float64
	WorstWindowP99      float64
	MixedVersions       float64
	DataErrors          float64
}

// MetricNames are the metrics' names as users write them (JSON,
// expressions), in the order of Metrics.Values.
var MetricNames = []string{
	"deploy_duration_s", "downtime_s", "availability", "failed_requests",
	"error_budget_burn", "blast_radius_users", "blast_radius_requests", "exposure",
	"detection_s", "rollback_s", "time_to_recover_s", "capacity_floor",
	"peak_instances", "extra_instance_hours", "latency_p50_ms", "latency_p99_ms",
	"worst_window_p99_ms", "mixed_versions_s", "data_errors",
}

// Values returns the metrics in the order of MetricNames.
func (m *Metrics) Values() []float64 {
	return []float64{
		m.DeployDuration, m.Downtime, m.Availability, m.FailedRequests,
		m.ErrorBudgetBurn, m.BlastRadiusUsers, m.BlastRadiusRequests, m.Exposure,
		m.Detection, m.Rollback, m.TimeToRecover, m.CapacityFloor,
		m.PeakInstances, m.ExtraInstanceHours, m.LatencyP50, m.LatencyP99,
		m.WorstWindowP99, m.MixedVersions, m.DataErrors,
	}
}

// Result is everything measured in one run: plain values, no reference
// into the world.
type Result struct {
	Outcome strategies.Outcome
	Reason  string
	Metrics Metrics
	// FailedByCause counts failed requests by cause name.
	FailedByCause map[string]int64
	// Requests is the number of requests in the measurement window.
	Requests int64
	Timeline Timeline
	Marks    []Mark
	// Events is the number of simulation events the run took.
	Events uint64
}

// Timeline is the per-bucket history of the whole run, warm-up included.
type Timeline struct {
	Bucket   time.Duration
	Versions []string
	// DeployAt and EndAt bound the deployment; RollbackAt is the rollback
	// trigger (negative when none).
	DeployAt, EndAt, RollbackAt time.Duration
	Points                      []Point
}

func secondsSince(a, b int64) float64 {
	if a < 0 || b < 0 {
		return math.NaN()
	}
	return time.Duration(b - a).Seconds()
}

// result computes the run's Result from the meter.
func (w *World) result(out strategies.Result) Result {
	m := &w.meter
	var all observe.Period
	for v := range m.run {
		all.Merge(&m.run[v])
	}
	n := all.Requests()
	failed := n - all.ByCause[observe.CauseOK]
	r := Result{Outcome: out.Outcome, Reason: out.Reason, Requests: int64(n), Events: w.s.Events()}
	r.FailedByCause = map[string]int64{}
	for c := observe.Cause(1); c < observe.NumCauses; c++ {
		r.FailedByCause[c.String()] = int64(all.ByCause[c])
	}
	mt := &r.Metrics
	start, end := int64(m.start), int64(m.endAt)
	mt.DeployDuration = secondsSince(start, end)
	mt.Downtime = m.downtime.Seconds()
	mt.Availability, mt.BlastRadiusRequests = 1, 0
	if n > 0 {
		mt.Availability = float64(n-failed) / float64(n)
		mt.BlastRadiusRequests = float64(failed) / float64(n)
		mt.ErrorBudgetBurn = float64(failed) / (float64(n) * (1 - w.cfg.Measure.Target))
	}
	mt.FailedRequests = float64(failed)
	if act := m.active.count(); act > 0 {
		mt.BlastRadiusUsers = float64(m.failed.count()) / float64(act)
	}
	if m.expAll > 0 {
		mt.Exposure = float64(m.expNew) / float64(m.expAll)
	}
	mt.Detection, mt.Rollback, mt.TimeToRecover = math.NaN(), math.NaN(), math.NaN()
	if m.rollbackAt >= 0 {
		problem := int64(m.firstNew)
		if m.firstFault >= 0 && (problem < 0 || int64(m.firstFault) < problem) {
			problem = int64(m.firstFault)
		}
		mt.Detection = secondsSince(problem, int64(m.rollbackAt))
		mt.Rollback = secondsSince(int64(m.rollbackAt), int64(m.recovered))
		mt.TimeToRecover = mt.Detection + mt.Rollback
	}
	mt.CapacityFloor = m.capFloor
	if math.IsInf(mt.CapacityFloor, 1) {
		mt.CapacityFloor = math.NaN()
	}
	mt.PeakInstances = float64(m.peak)
	mt.ExtraInstanceHours = m.extraInstSeconds / 3600
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	mt.LatencyP50 = ms(all.Latency.Quantile(0.5))
	mt.LatencyP99 = ms(all.Latency.Quantile(0.99))
	mt.WorstWindowP99 = ms(m.worstP99)
	mt.MixedVersions = m.mixed.Seconds()
	mt.DataErrors = float64(m.dataErrors)

	r.Timeline = Timeline{
		Bucket: m.bucket, DeployAt: m.start.Duration(), EndAt: m.endAt.Duration(),
		RollbackAt: -1, Points: m.timeline,
	}
	if m.rollbackAt >= 0 {
		r.Timeline.RollbackAt = m.rollbackAt.Duration()
	}
	for _, v := range w.versions {
		r.Timeline.Versions = append(r.Timeline.Versions, v.spec.Name)
	}
	r.Marks = w.Marks()
	return r
}
