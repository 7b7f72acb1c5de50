package models

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/deploysim/deploysim/models/observe"
	"github.com/deploysim/deploysim/sim"
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

// VersionPoint is one version's part of a bucket. Requests are those sent
// to the version, including requests refused by an environment of it that
// was already terminated; Served are those it answered (ok, app_error,
// schema, timeout).
type VersionPoint struct {
	Requests, Failed, Served        int64
	Share                           float64 // of the requests that reached a version
	Healthy                         int
	Pending, InService, Terminating int
	P99                             time.Duration
}

// Metrics are the measurements of one run (DESIGN §5). Durations are in
// seconds; ratios are fractions; NaN marks a metric that does not apply
// (detection and rollback times of a run that never rolled back).
type Metrics struct {
	DeployDuration float64
	// DeployDuration split: DeployWaiting is time held on purpose (pauses,
	// bakes, approvals, analysis intervals), DeployTerminationWait the old
	// fleet kept alive after the switch, DeployActive the rest.
	DeployActive          float64
	DeployWaiting         float64
	DeployTerminationWait float64

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
	"deploy_duration_s", "deploy_active_s", "deploy_waiting_s", "deploy_termination_wait_s",
	"downtime_s", "availability", "failed_requests",
	"error_budget_burn", "blast_radius_users", "blast_radius_requests", "exposure",
	"detection_s", "rollback_s", "time_to_recover_s", "capacity_floor",
	"peak_instances", "extra_instance_hours", "latency_p50_ms", "latency_p99_ms",
	"worst_window_p99_ms", "mixed_versions_s", "data_errors",
}

// Values returns the metrics in the order of MetricNames.
func (m *Metrics) Values() []float64 {
	return []float64{
		m.DeployDuration, m.DeployActive, m.DeployWaiting, m.DeployTerminationWait,
		m.Downtime, m.Availability, m.FailedRequests,
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
	// Trigger is what stopped the deployment early: the trigger that
	// fired the rollback, else what the strategy reported.
	Trigger strategies.Trigger
	Reason  string
	Metrics Metrics
	// FailedByCause counts failed requests by cause name.
	FailedByCause map[string]int64
	// Requests is the number of requests in the measurement window.
	Requests int64
	// CutOff says what was still going on when the measurement cap
	// (Deployment.SettleMax) ended the run: harm after it is not counted.
	// Empty when the world was quiet before the cap.
	CutOff   string
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

// problemStart is where the problem a rollback trigger detected began: the
// earliest of the first request the new version answered and the start of
// the first fault in effect during the deployment (one already in effect
// when the deployment started counts from that start), among those not
// after the trigger; the deployment's start when neither came before it
// (the trigger fired on the deployment's own progress, as a deadline).
func (m *meter) problemStart() sim.Time {
	p := sim.Time(-1)
	for _, t := range []sim.Time{m.firstNew, m.firstFault} {
		if t >= 0 && t <= m.rollbackAt && (p < 0 || t < p) {
			p = t
		}
	}
	if p < 0 {
		return m.start
	}
	return p
}

// verify checks the outcome a strategy claims against what the world
// measured. A success means the new version answers all traffic at the
// end of the measurement; a rollback means users were served again (see
// unrestored). A claim the measurements contradict is replaced by the
// measured outcome, with the reason.
func (m *meter) verify(out strategies.Result) strategies.Result {
	switch out.Outcome {
	case strategies.Succeeded:
		if why := m.mixedEnd(); why != "" {
			return strategies.Result{Outcome: strategies.Failed, Trigger: strategies.Trigger{Kind: strategies.TriggerEndState}, Reason: why}
		}
	case strategies.RolledBack:
		if m.recovered < 0 && len(m.timeline) > 0 {
			_, why := m.unrestored(&m.timeline[len(m.timeline)-1])
			return strategies.Result{Outcome: strategies.RollbackFailed, Trigger: out.Trigger,
				Reason: out.Reason + "; rollback: users not served again by the end of the measurement (" + why + ")"}
		}
	}
	return out
}

// endWindow is how much of the measurement's end the end state is judged
// on.
const endWindow = time.Minute

// mixedEnd says how the end of the measurement contradicts a success: the
// live configuration still routing requests to another version than the
// new one (or to none of the new one's instances), as also seen in the
// requests each version answered in the last minute after the strategy's
// end.
func (m *meter) mixedEnd() string {
	if m.to < 0 || len(m.timeline) == 0 {
		return ""
	}
	from := max(m.endAt.Duration(), m.w.Now()-endWindow)
	served := make([]int64, len(m.w.versions))
	var all int64
	last := &m.timeline[len(m.timeline)-1]
	for k := len(m.timeline) - 1; k >= 0 && m.timeline[k].At >= from; k-- {
		for v, vp := range m.timeline[k].PerVersion {
			served[v] += vp.Served
			all += vp.Served
		}
	}
	share := func(v int) float64 {
		if all == 0 {
			return 0
		}
		return 100 * float64(served[v]) / float64(all)
	}
	routed := m.w.routed()
	var old []string
	for v := range m.w.versions {
		if routed&(1<<uint(v)) != 0 && v != int(m.to) {
			old = append(old, fmt.Sprintf("%s still answered %.0f %% of requests (%d healthy instances)",
				m.w.versions[v].spec.Name, share(v), last.PerVersion[v].Healthy))
		}
	}
	switch {
	case len(old) > 0:
		return "mixed end state: " + strings.Join(old, ", ") + " at the end of the measurement"
	case routed&(1<<uint(m.to)) == 0:
		return fmt.Sprintf("end state: no instance of %s receives requests at the end of the measurement", m.w.versions[m.to].spec.Name)
	}
	return ""
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
	out = m.verify(out)
	r := Result{Outcome: out.Outcome, Trigger: out.Trigger, Reason: out.Reason, Requests: int64(n), Events: w.s.Events(), CutOff: m.cutOff}
	if m.rollbackAt >= 0 {
		r.Trigger = m.rollbackTrigger
	}
	r.FailedByCause = map[string]int64{}
	for c := observe.Cause(1); c < observe.NumCauses; c++ {
		r.FailedByCause[c.String()] = int64(all.ByCause[c])
	}
	mt := &r.Metrics
	start, end := int64(m.start), int64(m.endAt)
	mt.DeployDuration = secondsSince(start, end)
	mt.DeployWaiting, mt.DeployTerminationWait = m.waiting.Seconds(), m.termWait.Seconds()
	mt.DeployActive = mt.DeployDuration - mt.DeployWaiting - mt.DeployTerminationWait
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
		mt.Detection = secondsSince(int64(m.problemStart()), int64(m.rollbackAt))
		// A rollback that never restored service is timed to the end of
		// the measurement: a lower bound of the time users stayed broken.
		recovered := m.recovered
		if recovered < 0 {
			recovered = w.s.Now()
		}
		mt.Rollback = secondsSince(int64(m.rollbackAt), int64(recovered))
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
