package models

import (
	"fmt"
	"math"
	"time"
)

// Config describes a world. DefaultConfig returns the real services'
// documented defaults; a scenario changes what it needs. Field comments give
// the default and the unit.
type Config struct {
	// AZs are the availability zones instances spread over (a, b, c).
	AZs []string
	// Instances is the size of the live fleet at the start (10).
	Instances int
	// From is the version the live fleet runs; it must be in Versions.
	From     string
	Versions []VersionSpec

	ASG     ASGConfig
	LB      LBConfig
	DNS     DNSConfig
	DB      DBConfig
	Traffic TrafficConfig
	Measure MeasureConfig
	Alarms  []AlarmSpec
}

// Dist is a positive duration distribution: log-normal with the given mean
// and standard deviation, or the constant Mean when StdDev is zero.
type Dist struct {
	Mean, StdDev time.Duration
}

// VersionSpec describes an application revision.
type VersionSpec struct {
	Name string
	// BootTime: launch of a new instance until the application serves
	// (EC2 boot, the platform's bootstrap, the application's first
	// deployment and start). Default: the platform's, 5m ± 1m on ec2.
	BootTime Dist
	// StartTime: ApplicationStart of an in-place deploy until the process
	// serves. Default: the platform's, 15s ± 3s on ec2.
	StartTime Dist
	// InstallTime: DownloadBundle+Install of an in-place deploy. Default:
	// the platform's, 20s ± 5s on ec2.
	InstallTime Dist
	// ErrorRate is the probability that a request fails with app_error.
	ErrorRate float64
	// LatencyP50 and LatencyP99 define the service-time distribution
	// (50ms, 250ms). LatencyDist is "lognormal" (fitted to p50 and p99) or
	// "exponential" (mean LatencyP50/ln 2, so the median matches).
	LatencyP50, LatencyP99 time.Duration
	LatencyDist            string
	// Concurrency is how many requests one instance serves at once (32);
	// QueueLength how many more wait (100) before requests are rejected
	// with overload.
	Concurrency, QueueLength int
	// HealthCheckFailRate is the probability that one load-balancer health
	// check fails while the application runs — independent of ErrorRate, so
	// a release can pass health checks and fail real requests (0).
	HealthCheckFailRate float64
	// CrashAfter: when non-zero, the process crashes after this much uptime
	// (a crash loop with a short mean) and restarts after RestartTime
	// (default 10s).
	CrashAfter  Dist
	RestartTime time.Duration
	// LeakAfter: when non-zero, after this much uptime the process leaks:
	// its error rate becomes LeakErrorRate and latency is multiplied by
	// LeakLatencyFactor (default 1); with LeakCrash it is killed (OOM) and
	// restarts instead.
	LeakAfter         time.Duration
	LeakErrorRate     float64
	LeakLatencyFactor float64
	LeakCrash         bool
	// SchemaMin and SchemaMax bound the schema versions this code works
	// with. Zero values are derived from the release's migrations (see
	// DBConfig).
	SchemaMin, SchemaMax int
	// FlagErrorRate and FlagLatencyFactor apply instead of ErrorRate and
	// 1 to requests of users for whom Flag is on (a feature shipped dark).
	Flag              string
	FlagErrorRate     float64
	FlagLatencyFactor float64
}

// MeanServiceTime is the mean of the service-time distribution: for the
// log-normal through p50 and p99, exp(μ + σ²/2).
func (v VersionSpec) MeanServiceTime() time.Duration {
	p50 := v.LatencyP50.Seconds()
	if v.LatencyDist == "exponential" {
		return time.Duration(p50 / math.Ln2 * float64(time.Second))
	}
	sigma := math.Log(v.LatencyP99.Seconds()/p50) / 2.3263478740408408 // z(0.99)
	return time.Duration(p50 * math.Exp(sigma*sigma/2) * float64(time.Second))
}

// ASGConfig holds Auto Scaling defaults for groups.
type ASGConfig struct {
	HealthCheckType        string        // "EC2" (default) or "ELB"
	HealthCheckGracePeriod time.Duration // 300s
	// ReconcileInterval is how often a group checks health and desired
	// capacity (10s).
	ReconcileInterval time.Duration
	// LaunchFailureRate is the probability that one launch fails with
	// insufficient capacity (0); failed launches are retried.
	LaunchFailureRate float64
	// LaunchRetry is the wait after a failed launch (10s).
	LaunchRetry time.Duration
}

// HealthCheck is an ELBv2 target-group health check.
type HealthCheck struct {
	Interval           time.Duration // 30s
	Timeout            time.Duration // 5s
	HealthyThreshold   int           // 5
	UnhealthyThreshold int           // 2
}

// LBConfig holds Application Load Balancer defaults for target groups.
type LBConfig struct {
	Algorithm           string // "round_robin" (default) or "least_outstanding_requests"
	HealthCheck         HealthCheck
	DeregistrationDelay time.Duration // 300s
	// SlowStart ramps a newly healthy target's share linearly (0 = off,
	// else 30s–900s).
	SlowStart time.Duration
	// Stickiness keeps a user on one target (lb_cookie) for this long
	// (0 = off).
	Stickiness time.Duration
}

// DNSConfig describes Route 53 and the resolvers between it and the users.
type DNSConfig struct {
	TTL time.Duration // 60s
	// Resolvers is how many caching resolvers the users are spread over
	// (100); each caches one weighted answer for the TTL.
	Resolvers int
	// IgnoreTTLFraction of users (0) have clients that keep an answer for
	// IgnoreTTLFor (30m) regardless of the TTL.
	IgnoreTTLFraction float64
	IgnoreTTLFor      time.Duration
}

// MigrationKind says what a migration does to older code.
type MigrationKind string

const (
	Expand   MigrationKind = "expand"   // backward compatible: old code still works
	Contract MigrationKind = "contract" // removes what old code needs
	Breaking MigrationKind = "breaking" // incompatible with old code, required by new
)

// MigrationSpec is one schema migration of the release. Each migration
// moves the schema version up by one.
type MigrationSpec struct {
	Name     string
	Kind     MigrationKind
	Duration time.Duration // 30s
	// Lock holds a table lock for the whole migration: requests wait for
	// it (and time out if it outlasts the client timeout).
	Lock bool
	// Irreversible migrations have no down-migration; a revert fails.
	Irreversible   bool
	RevertDuration time.Duration // default: Duration
	// LosesData: reverting loses the writes made since the migration ran
	// (they are counted as data errors).
	LosesData bool
}

// DBConfig describes the database.
type DBConfig struct {
	Schema     int // version at the start (1)
	Migrations []MigrationSpec
	// WriteFraction of requests write (0.2): a write served by code
	// incompatible with the schema is a data error.
	WriteFraction float64
}

// TrafficConfig describes the users and their requests.
type TrafficConfig struct {
	Rate float64 // mean requests per second (200)
	// Profile is "constant" (default), "diurnal" (sinusoid with period 24h,
	// amplitude DiurnalAmplitude 0.5, peak at DiurnalPeak 14h) or "spike"
	// (Rate×SpikeMultiplier from SpikeAt for SpikeDuration).
	Profile          string
	DiurnalAmplitude float64
	DiurnalPeak      time.Duration
	SpikeAt          time.Duration
	SpikeDuration    time.Duration
	SpikeMultiplier  float64
	Users            int           // 10000
	Timeout          time.Duration // client/idle timeout (60s, the ALB default)
}

// MeasureConfig sets how results are measured.
type MeasureConfig struct {
	Bucket time.Duration // timeline resolution (1s)
	// Window is the SLO window over which the success ratio is judged
	// (10s); the observation periods used by Observer and alarms have this
	// width too.
	Window            time.Duration
	AvailabilityFloor float64 // 0.95
	Target            float64 // SLO target for error budget burn (0.999)
	// History is how far back Observer queries can reach (1h).
	History time.Duration
}

// AlarmSpec is a CloudWatch-style metric alarm on a scope of requests.
type AlarmSpec struct {
	Name string
	// Metric is one of "error_rate", "success_rate", "errors",
	// "requests", "latency_p50", "latency_p90", "latency_p99",
	// "latency_mean" (milliseconds), "healthy_hosts".
	Metric string
	// Version restricts the metric to one version's requests ("" = all;
	// "$to" and "$from" name the release's versions).
	Version string
	// Comparison is ">", ">=", "<" or "<=".
	Comparison string
	Threshold  float64
	// Period is the evaluation period (60s); EvaluationPeriods (1) and
	// DatapointsToAlarm (= EvaluationPeriods) make the "M out of N" rule.
	Period            time.Duration
	EvaluationPeriods int
	DatapointsToAlarm int
	// TreatMissingData is "missing" (default), "notBreaching", "breaching"
	// or "ignore".
	TreatMissingData string
	// Expression, instead of Metric, computes each period's datapoint
	// from the period's metrics of the alarm's scope (CloudWatch metric
	// math), in expr-lang over the names of AlarmEnv: a number is compared
	// with Threshold; a boolean breaches when true (Comparison and
	// Threshold default to >= 1). A period without requests has no
	// datapoint.
	Expression string
}

// PlatformTimes are how long an application takes to come up on a
// compute platform: a new instance from launch until it serves, and an
// in-place deployment's install and restart. They decide how strategies
// that launch instances rank against strategies that deploy in place.
type PlatformTimes struct {
	BootTime, StartTime, InstallTime Dist
}

// DefaultPlatform is the platform of the default world: EC2 instances
// running an Elastic Beanstalk (or CodeDeploy-managed) platform.
const DefaultPlatform = "ec2"

// Platforms lists the platforms PlatformDefaults knows.
var Platforms = []string{DefaultPlatform}

// PlatformDefaults returns a platform's times, from documented or widely
// reported figures (docs/world.md cites them):
//
//   - ec2: boot 5m ± 1m — the machine itself is up in about 30 s
//     (RunInstances to SSH, measured by ec2-boot-bench), then the
//     platform's bootstrap runs the application's whole first deployment
//     (agent, proxy, source bundle download and build, start); AWS sizes
//     the Auto Scaling health check grace period, 300 s by default, for
//     this launch-to-ready time. In place: install 20s ± 5s and start
//     15s ± 3s ("typically a fairly quick process [...] the web container
//     picks up the new version and, if necessary, restarts", EB Developer
//     Guide).
//
// A platform feature adds its own rows (ECS tasks, Fargate, Lambda).
func PlatformDefaults(platform string) (PlatformTimes, error) {
	switch platform {
	case DefaultPlatform:
		return ec2Times, nil
	}
	return PlatformTimes{}, fmt.Errorf("platform %q: allowed %v", platform, Platforms)
}

var ec2Times = PlatformTimes{
	BootTime:    Dist{5 * time.Minute, time.Minute},
	StartTime:   Dist{15 * time.Second, 3 * time.Second},
	InstallTime: Dist{20 * time.Second, 5 * time.Second},
}

// DefaultVersion returns a healthy version's defaults on the default
// platform.
func DefaultVersion(name string) VersionSpec {
	t := ec2Times
	return VersionSpec{
		Name:        name,
		BootTime:    t.BootTime,
		StartTime:   t.StartTime,
		InstallTime: t.InstallTime,
		LatencyP50:  50 * time.Millisecond,
		LatencyP99:  250 * time.Millisecond,
		LatencyDist: "lognormal",
		Concurrency: 32,
		QueueLength: 100,
		RestartTime: 10 * time.Second,
	}
}

// DefaultConfig returns a ten-instance fleet running v1 behind one ALB,
// 200 requests per second from 10 000 users, with every service default.
func DefaultConfig() Config {
	return Config{
		AZs:       []string{"a", "b", "c"},
		Instances: 10,
		From:      "v1",
		Versions:  []VersionSpec{DefaultVersion("v1"), DefaultVersion("v2")},
		ASG: ASGConfig{
			HealthCheckType:        "EC2",
			HealthCheckGracePeriod: 300 * time.Second,
			ReconcileInterval:      10 * time.Second,
			LaunchRetry:            10 * time.Second,
		},
		LB: LBConfig{
			Algorithm: "round_robin",
			HealthCheck: HealthCheck{
				Interval: 30 * time.Second, Timeout: 5 * time.Second,
				HealthyThreshold: 5, UnhealthyThreshold: 2,
			},
			DeregistrationDelay: 300 * time.Second,
		},
		DNS: DNSConfig{TTL: 60 * time.Second, Resolvers: 100, IgnoreTTLFor: 30 * time.Minute},
		DB:  DBConfig{Schema: 1, WriteFraction: 0.2},
		Traffic: TrafficConfig{
			Rate: 200, Profile: "constant", Users: 10000, Timeout: 60 * time.Second,
			DiurnalAmplitude: 0.5, DiurnalPeak: 14 * time.Hour, SpikeMultiplier: 3,
		},
		Measure: MeasureConfig{
			Bucket: time.Second, Window: 10 * time.Second,
			AvailabilityFloor: 0.95, Target: 0.999, History: time.Hour,
		},
	}
}

// Version returns the spec of the version named name.
func (c *Config) Version(name string) (VersionSpec, bool) {
	for _, v := range c.Versions {
		if v.Name == name {
			return v, true
		}
	}
	return VersionSpec{}, false
}

// Validate reports the first thing in c that cannot be simulated, naming
// the field and what is allowed. Scenario files are validated with line
// numbers before they get here; this guards programmatic use.
func (c *Config) Validate() error {
	bad := func(field string, v any, allowed string) error {
		return fmt.Errorf("world: %s = %v: %s", field, v, allowed)
	}
	if len(c.AZs) == 0 {
		return bad("azs", c.AZs, "at least one availability zone")
	}
	if c.Instances < 1 {
		return bad("instances", c.Instances, "at least 1")
	}
	if _, ok := c.Version(c.From); !ok {
		return bad("from", c.From, "must name one of the versions")
	}
	seen := map[string]bool{}
	for i, v := range c.Versions {
		f := fmt.Sprintf("versions[%d]", i)
		switch {
		case v.Name == "" || seen[v.Name]:
			return bad(f+".name", v.Name, "a unique, non-empty name")
		case v.ErrorRate < 0 || v.ErrorRate > 1:
			return bad(f+".error_rate", v.ErrorRate, "between 0 and 1")
		case v.HealthCheckFailRate < 0 || v.HealthCheckFailRate > 1:
			return bad(f+".health_check_fail_rate", v.HealthCheckFailRate, "between 0 and 1")
		case v.LatencyP50 <= 0 || v.LatencyP99 < v.LatencyP50:
			return bad(f+".latency", fmt.Sprintf("p50 %v p99 %v", v.LatencyP50, v.LatencyP99), "0 < p50 <= p99")
		case v.LatencyDist != "lognormal" && v.LatencyDist != "exponential":
			return bad(f+".latency_dist", v.LatencyDist, "lognormal or exponential")
		case v.Concurrency < 1 || v.QueueLength < 0:
			return bad(f+".concurrency", v.Concurrency, "concurrency >= 1 and queue_length >= 0")
		case v.BootTime.Mean <= 0 || v.StartTime.Mean < 0 || v.InstallTime.Mean < 0:
			return bad(f+".boot_time", v.BootTime.Mean, "a positive duration")
		}
		seen[v.Name] = true
	}
	switch {
	case c.ASG.HealthCheckType != "EC2" && c.ASG.HealthCheckType != "ELB":
		return bad("asg.health_check_type", c.ASG.HealthCheckType, "EC2 or ELB")
	case c.ASG.ReconcileInterval <= 0:
		return bad("asg.reconcile_interval", c.ASG.ReconcileInterval, "a positive duration")
	case c.LB.Algorithm != "round_robin" && c.LB.Algorithm != "least_outstanding_requests":
		return bad("lb.algorithm", c.LB.Algorithm, "round_robin or least_outstanding_requests")
	case c.LB.HealthCheck.Interval < 5*time.Second || c.LB.HealthCheck.Interval > 300*time.Second:
		return bad("lb.health_check.interval", c.LB.HealthCheck.Interval, "5s to 300s")
	case c.LB.HealthCheck.Timeout < 2*time.Second || c.LB.HealthCheck.Timeout >= c.LB.HealthCheck.Interval:
		return bad("lb.health_check.timeout", c.LB.HealthCheck.Timeout, "2s to 120s and less than the interval")
	case c.LB.HealthCheck.HealthyThreshold < 2 || c.LB.HealthCheck.HealthyThreshold > 10:
		return bad("lb.health_check.healthy_threshold", c.LB.HealthCheck.HealthyThreshold, "2 to 10")
	case c.LB.HealthCheck.UnhealthyThreshold < 2 || c.LB.HealthCheck.UnhealthyThreshold > 10:
		return bad("lb.health_check.unhealthy_threshold", c.LB.HealthCheck.UnhealthyThreshold, "2 to 10")
	case c.LB.DeregistrationDelay < 0 || c.LB.DeregistrationDelay > time.Hour:
		return bad("lb.deregistration_delay", c.LB.DeregistrationDelay, "0s to 3600s")
	case c.LB.SlowStart != 0 && (c.LB.SlowStart < 30*time.Second || c.LB.SlowStart > 900*time.Second):
		return bad("lb.slow_start", c.LB.SlowStart, "0 (off) or 30s to 900s")
	case c.DNS.TTL < 0:
		return bad("dns.ttl", c.DNS.TTL, "0 or more")
	case c.DNS.Resolvers < 1:
		return bad("dns.resolvers", c.DNS.Resolvers, "at least 1")
	case c.DNS.IgnoreTTLFraction < 0 || c.DNS.IgnoreTTLFraction > 1:
		return bad("dns.ignore_ttl_fraction", c.DNS.IgnoreTTLFraction, "between 0 and 1")
	case c.DB.WriteFraction < 0 || c.DB.WriteFraction > 1:
		return bad("db.write_fraction", c.DB.WriteFraction, "between 0 and 1")
	case c.Traffic.Rate <= 0 || math.IsInf(c.Traffic.Rate, 0):
		return bad("traffic.rate", c.Traffic.Rate, "a positive number of requests per second")
	case c.Traffic.Profile != "constant" && c.Traffic.Profile != "diurnal" && c.Traffic.Profile != "spike":
		return bad("traffic.profile", c.Traffic.Profile, "constant, diurnal or spike")
	case c.Traffic.Users < 1:
		return bad("traffic.users", c.Traffic.Users, "at least 1")
	case c.Traffic.Timeout <= 0:
		return bad("traffic.timeout", c.Traffic.Timeout, "a positive duration")
	case c.Measure.Bucket <= 0 || c.Measure.Window < c.Measure.Bucket:
		return bad("measure.bucket", c.Measure.Bucket, "positive and no longer than measure.window")
	case c.Measure.AvailabilityFloor <= 0 || c.Measure.AvailabilityFloor > 1:
		return bad("slo.availability_floor", c.Measure.AvailabilityFloor, "in (0, 1]")
	case c.Measure.Target <= 0 || c.Measure.Target >= 1:
		return bad("slo.target", c.Measure.Target, "in (0, 1)")
	}
	for i, m := range c.DB.Migrations {
		switch m.Kind {
		case Expand, Contract, Breaking:
		default:
			return bad(fmt.Sprintf("db.migrations[%d].kind", i), m.Kind, "expand, contract or breaking")
		}
	}
	for i, a := range c.Alarms {
		if _, err := parseAlarm(a); err != nil {
			return fmt.Errorf("world: alarms[%d]: %w", i, err)
		}
	}
	return nil
}
