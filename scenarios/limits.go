package scenarios

import (
	"fmt"
	"maps"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"time"
)

// The limits on every size a scenario sets (docs/limits.md). Each is
// checked at load, with arithmetic that cannot overflow, and a scenario
// over one is an error (exit 2) naming the field, where it is written and
// the limit. They are far above what a study needs and below what would
// exhaust a machine before a single run finished; memory, which depends
// on several sizes at once, is estimated before running (Estimate) and
// checked against a budget.
const (
	MaxReplications = 100_000   // per strategy (replications:, --replications)
	MaxStrategies   = 64        // strategies of one scenario
	MaxRuns         = 1_000_000 // replications × strategies, and over all points of a sweep
	MaxSweepPoints  = 10_000    // points of a sweep's grid
	MaxInstances    = 100_000   // world.instances
	MaxAZs          = 32        // world.azs
	MaxUsers        = 10_000_000
	MaxResolvers    = 1_000_000
	// MaxRate bounds world.traffic.rate (requests per second);
	// MaxMultiplier the traffic multipliers (spike profile, traffic_spike).
	MaxRate       = 1_000_000
	MaxMultiplier = 1_000
	// MaxRequestsPerRun bounds one run's requests: peak rate × simulated
	// time, an upper bound (about ten minutes of one core).
	MaxRequestsPerRun = 2_000_000_000
	// MaxSimulatedTime bounds deployment.at + time_limit + the longest
	// settling (settle_max, or settle when longer).
	MaxSimulatedTime = 7 * 24 * time.Hour
	// MaxTimelineBuckets bounds simulated time / the timeline's bucket
	// (1s, or the SLO window when shorter).
	MaxTimelineBuckets = 1_000_000
	// MaxConcurrency and MaxQueueLength bound a version's per-instance
	// concurrency and queue.
	MaxConcurrency = 10_000
	MaxQueueLength = 100_000
	// MaxItems bounds each of faults, alarms, expect, world.db.migrations
	// and deployment.migrations.
	MaxItems = 256
	// An alarm's period × evaluation_periods is at most 7 days, and at
	// most one day for periods under an hour (CloudWatch PutMetricAlarm).
	maxAlarmRange      = 7 * 24 * time.Hour
	maxShortAlarmRange = 24 * time.Hour
)

// mulSat and addSat saturate at math.MaxInt64 instead of overflowing
// (inputs are non-negative).
func mulSat(a, b int64) int64 {
	if a < 0 || b < 0 {
		return math.MaxInt64
	}
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(lo)
}

func addSat(a, b int64) int64 {
	if s := a + b; s >= a && s >= b {
		return s
	}
	return math.MaxInt64
}

func countString(n int64) string {
	if n == math.MaxInt64 {
		return "more than 9.2e18"
	}
	return strconv.FormatInt(n, 10)
}

// horizon bounds one run's simulated time: steady state, the deployment's
// limit and the longest settling, saturating.
func (f *File) horizon() time.Duration {
	settle := max(f.Deployment.Settle, f.Deployment.SettleMax)
	return time.Duration(addSat(addSat(int64(f.Deployment.At), int64(f.TimeLimit)), int64(settle)))
}

// checkLimits checks every size against its limit. It runs before the
// world is validated or anything is compiled, so that nothing is built
// from a size over its limit.
func (sc *Scenario) checkLimits(d *decoder) {
	f := &sc.File
	w := &f.World
	atMost := func(field string, got, limit int64) bool {
		if got > limit {
			d.errField(field, "got %s, the limit is %d", countString(got), limit)
			return false
		}
		return true
	}
	atMost("replications", int64(f.Replications), MaxReplications)
	atMost("strategies", int64(len(f.Strategies)), MaxStrategies)
	if f.Replications <= MaxReplications && len(f.Strategies) <= MaxStrategies {
		if runs := mulSat(int64(f.Replications), int64(max(1, len(f.Strategies)))); runs > MaxRuns {
			d.errField("replications", "%d replications × %d strategies = %d runs; the limit is %d", f.Replications, len(f.Strategies), runs, MaxRuns)
		}
	}
	atMost("world.instances", int64(w.Instances), MaxInstances)
	atMost("world.azs", int64(len(w.AZs)), MaxAZs)
	atMost("world.traffic.users", int64(w.Traffic.Users), MaxUsers)
	atMost("world.dns.resolvers", int64(w.DNS.Resolvers), MaxResolvers)
	for _, l := range []struct {
		field string
		n     int
	}{{"faults", len(f.Faults)}, {"alarms", len(f.Alarms)}, {"expect", len(f.Expect)},
		{"world.db.migrations", len(w.DB.Migrations)}, {"deployment.migrations", len(f.Deployment.Migrations)}} {
		atMost(l.field, int64(l.n), MaxItems)
	}
	for _, name := range slices.Sorted(maps.Keys(f.Versions)) {
		v := f.Versions[name]
		atMost("versions."+name+".concurrency", int64(v.Concurrency), MaxConcurrency)
		atMost("versions."+name+".queue_length", int64(v.QueueLength), MaxQueueLength)
	}
	sc.checkTime(d)
	sc.checkTraffic(d)
	for i, a := range f.Alarms {
		period := a.Period
		if period == 0 {
			period = time.Minute
		}
		n := int64(max(1, a.EvaluationPeriods))
		total := mulSat(n, int64(period))
		limit := maxAlarmRange
		if period < time.Hour {
			limit = maxShortAlarmRange
		}
		if total > int64(limit) {
			d.errField(fmt.Sprintf("alarms[%d].evaluation_periods", i), "period %v × %d evaluation periods is longer than %v (the limit, as CloudWatch's)", period, n, limit)
		}
	}
}

// checkTime bounds the simulated time and the timeline's buckets.
func (sc *Scenario) checkTime(d *decoder) {
	f := &sc.File
	parts := []struct {
		field string
		d     time.Duration
	}{{"deployment.at", f.Deployment.At}, {"time_limit", f.TimeLimit}, {"deployment.settle", f.Deployment.Settle}, {"deployment.settle_max", f.Deployment.SettleMax}}
	if h := f.horizon(); h > MaxSimulatedTime || h < 0 {
		longest := parts[0]
		for _, p := range parts[1:] {
			if p.d > longest.d {
				longest = p
			}
		}
		d.errField(longest.field, "deployment.at + time_limit + settle_max (or settle) is %s of simulated time; the limit is %v", durationString(h), MaxSimulatedTime)
		return
	}
	for i, ft := range f.Faults {
		if ft.At != nil && *ft.At > MaxSimulatedTime {
			d.errField(fmt.Sprintf("faults[%d].at", i), "got %v; the limit is %v", *ft.At, MaxSimulatedTime)
		}
	}
	if f.SLO.Window <= 0 {
		return // reported by check
	}
	bucket := min(time.Second, f.SLO.Window)
	if n := int64(f.horizon() / bucket); n > MaxTimelineBuckets {
		d.errField("slo.window", "a %v window measures in %v buckets: %d over the run's %v; the limit is %d (lengthen the window or shorten the run)",
			f.SLO.Window, bucket, n, f.horizon(), MaxTimelineBuckets)
	}
}

func durationString(d time.Duration) string {
	if d < 0 || d == math.MaxInt64 {
		return "more than 292 years"
	}
	return d.String()
}

// checkTraffic bounds the rate, its multipliers and a run's requests.
func (sc *Scenario) checkTraffic(d *decoder) {
	f := &sc.File
	t := &f.World.Traffic
	if t.Rate > MaxRate {
		d.errField("world.traffic.rate", "got %g requests/s; the limit is %d", t.Rate, MaxRate)
		return
	}
	peak := 1.0
	switch t.Profile {
	case "diurnal":
		peak = 1 + math.Abs(t.DiurnalAmplitude)
	case "spike":
		if t.SpikeMultiplier > MaxMultiplier {
			d.errField("world.traffic.spike_multiplier", "got %g; the limit is %d", t.SpikeMultiplier, MaxMultiplier)
			return
		}
		peak = max(1, t.SpikeMultiplier)
	}
	fault := 1.0
	for i, ft := range f.Faults {
		if ft.TrafficSpike == nil {
			continue
		}
		if ft.TrafficSpike.Multiplier > MaxMultiplier {
			d.errField(fmt.Sprintf("faults[%d].traffic_spike.multiplier", i), "got %g; the limit is %d", ft.TrafficSpike.Multiplier, MaxMultiplier)
			return
		}
		m := ft.TrafficSpike.Multiplier
		if m == 0 {
			m = 3 // the default
		}
		fault = max(fault, m)
	}
	if h := f.horizon(); h <= MaxSimulatedTime && t.Rate > 0 {
		if n := t.Rate * peak * fault * h.Seconds(); n > MaxRequestsPerRun {
			d.errField("world.traffic.rate", "%g requests/s (× %g at peak) over %v is up to %.3g requests per run; the limit is %d",
				t.Rate, peak*fault, h, n, int64(MaxRequestsPerRun))
		}
	}
}

// checkRuns bounds the runs of an experiment with the options' override.
func checkRuns(reps, strategies int) error {
	if reps > MaxReplications {
		return fmt.Errorf("--replications %d: the limit is %d: %w", reps, MaxReplications, ErrInvalid)
	}
	if runs := mulSat(int64(reps), int64(strategies)); runs > MaxRuns {
		return fmt.Errorf("%d replications × %d strategies = %s runs; the limit is %d: %w", reps, strategies, countString(runs), MaxRuns, ErrInvalid)
	}
	return nil
}
