package models

import (
	"math"
	"time"
	"unsafe"

	"github.com/deploysim/deploysim/models/observe"
)

// MemoryEstimate is an upper estimate of the memory one world takes during
// a run of the given simulated time, by what it is spent on, in bytes.
// Memory grows with users, resolvers, instances, requests in flight and
// timeline buckets — never with the requests a run serves.
type MemoryEstimate struct {
	Users, Resolvers, Instances, InFlight, Timeline, Observation int64
	// Fixed is what every world takes whatever its sizes.
	Fixed int64
}

// Total is the sum of the parts.
func (e MemoryEstimate) Total() int64 {
	return e.Users + e.Resolvers + e.Instances + e.InFlight + e.Timeline + e.Observation + e.Fixed
}

// TimelineBytes is what one run's timeline of n buckets over nv versions
// takes (kept for the first replication of every strategy).
func TimelineBytes(buckets int64, versions int) int64 {
	return satMul(buckets, int64(unsafe.Sizeof(Point{}))+int64(versions)*int64(unsafe.Sizeof(VersionPoint{})))
}

// fleetFactor bounds the instances alive at once as a multiple of the live
// fleet: the live group may grow to 4× (its maximum), and a second fleet
// (blue/green, immutable) exists beside it.
const fleetFactor = 5

// trafficGroups bounds the target groups a run creates (the live one, a
// canary's or a green fleet's, and the ones a rollback adds).
const trafficGroups = 8

// EstimateMemory estimates the memory of one world of cfg (validated)
// running for simulated, within a factor of a few; a test checks it
// against measured heaps.
func EstimateMemory(cfg Config, simulated time.Duration) MemoryEstimate {
	var e MemoryEstimate
	users := int64(cfg.Traffic.Users)
	e.Users = satAdd(satMul(users, int64(unsafe.Sizeof(user{}))), satMul((users+63)/64, 2*8)) // two bitsets
	e.Resolvers = satMul(int64(cfg.DNS.Resolvers), int64(unsafe.Sizeof(resolver{})))
	inst := satMul(int64(cfg.Instances), fleetFactor)
	perInst := int64(unsafe.Sizeof(instance{})) + int64(unsafe.Sizeof(target{})) + 3*4 // routable, members, stamp
	e.Instances = satMul(inst, 2*perInst)                                              // slices grow by doubling
	// In flight: what the fleet can hold, and at most what arrives within
	// the client timeout (every request ends by then).
	var capacity int64
	for _, v := range cfg.Versions {
		capacity = max(capacity, int64(v.Concurrency)+int64(v.QueueLength))
	}
	held := satMul(inst, capacity)
	arriving := int64(math.Min(peakRate(cfg)*cfg.Traffic.Timeout.Seconds()*1.5+1024, math.MaxInt64/2))
	e.InFlight = satMul(2*min(held, arriving), int64(unsafe.Sizeof(request{}))+4)
	bucket := cfg.Measure.Bucket
	if bucket <= 0 {
		bucket = time.Second
	}
	buckets := int64(simulated/bucket) + 1
	e.Timeline = satMul(2, TimelineBytes(buckets, len(cfg.Versions)))
	slot := max(bucket, cfg.Measure.Window)
	hist := int64(min(cfg.Measure.History, simulated)/slot) + 1
	scopes := int64(trafficGroups * (len(cfg.Versions) + 1))
	e.Observation = satMul(satMul(scopes, hist+1), int64(unsafe.Sizeof(observe.Period{})))
	e.Observation = satAdd(e.Observation, satMul(2*8, int64(cfg.Measure.Window/bucket)+1))
	for _, a := range cfg.Alarms {
		e.Observation = satAdd(e.Observation, satMul(int64(max(1, a.EvaluationPeriods))+2, 8))
	}
	e.Fixed = 1 << 20
	return e
}

// peakRate bounds the arrival rate over a run (faults aside).
func peakRate(cfg Config) float64 {
	r := cfg.Traffic.Rate
	switch cfg.Traffic.Profile {
	case "diurnal":
		r *= 1 + math.Abs(cfg.Traffic.DiurnalAmplitude)
	case "spike":
		r *= max(1, cfg.Traffic.SpikeMultiplier)
	}
	return r
}

func satMul(a, b int64) int64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}

func satAdd(a, b int64) int64 {
	if s := a + b; s >= a && s >= b {
		return s
	}
	return math.MaxInt64
}
