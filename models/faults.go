package models

import (
	"fmt"
	"time"

	"github.com/deploysim/deploysim/models/observe"
	"github.com/deploysim/deploysim/strategies"
)

// faultState holds what the fault hooks have changed.
type faultState struct {
	errAdd     []float64       // per version: added error probability
	latFactor  []float64       // per version: latency multiplier
	latAdd     []time.Duration // per version: added latency
	hcFail     []float64       // per version: added health-check failure probability
	azDown     []bool
	launchFail float64
	hookFail   map[string]float64
	dbSlow     time.Duration
	dbDown     bool
	dnsDown    bool
	spike      float64
}

func (f *faultState) init(versions, azs int) {
	f.azDown = make([]bool, azs)
	f.errAdd = make([]float64, versions)
	f.latFactor = make([]float64, versions)
	for k := range f.latFactor {
		f.latFactor[k] = 1
	}
	f.latAdd = make([]time.Duration, versions)
	f.hcFail = make([]float64, versions)
	f.hookFail = map[string]float64{}
	f.spike = 1
}

// Selector picks instances for KillInstances. Zero fields match all; Count
// and Percent (0–100) cap how many of the matches die, chosen at random.
type Selector struct {
	Version string
	AZ      string
	Group   string
	Count   int
	Percent float64
}

// selectInstances picks the instances sel names among those live passes,
// at random when Count or Percent cap them.
func (w *World) selectInstances(sel Selector, live func(in *instance) bool) []int32 {
	var match []int32
	for i := range w.insts {
		in := &w.insts[i]
		if !live(in) ||
			sel.Version != "" && w.versions[in.ver].spec.Name != sel.Version ||
			sel.AZ != "" && w.cfg.AZs[in.az] != sel.AZ ||
			sel.Group != "" && w.groups[in.group].name != sel.Group {
			continue
		}
		match = append(match, int32(i))
	}
	n := len(match)
	if sel.Percent > 0 {
		n = int(float64(len(match))*sel.Percent/100 + 0.5)
	}
	if sel.Count > 0 && sel.Count < n {
		n = sel.Count
	}
	w.rInfra.Shuffle(len(match), func(a, b int) { match[a], match[b] = match[b], match[a] })
	return match[:n]
}

// KillInstances kills matching live instances (the machines die: requests
// in flight are reset, health checks fail, Auto Scaling replaces them) and
// returns how many died.
func (w *World) KillInstances(sel Selector) int {
	victims := w.selectInstances(sel, func(in *instance) bool {
		return in.state < strategies.Terminating && in.ec2ok
	})
	for _, i := range victims {
		w.die(i)
	}
	w.mark("fault", "killed %d instances", len(victims))
	return len(victims)
}

// SetAZDown takes a zone down (every instance in it dies, nothing launches
// there) or brings it back.
func (w *World) SetAZDown(az string, down bool) error {
	k := -1
	for i, a := range w.cfg.AZs {
		if a == az {
			k = i
		}
	}
	if k < 0 {
		return fmt.Errorf("az %q: not one of %v", az, w.cfg.AZs)
	}
	w.faults.azDown[k] = down
	if down {
		for i := range w.insts {
			if int(w.insts[i].az) == k {
				w.die(int32(i))
			}
		}
		w.mark("fault", "AZ %s down", az)
	} else {
		w.mark("fault", "AZ %s back", az)
	}
	return nil
}

func (w *World) versionIndex(name string) (int8, error) {
	v := w.versionOf(strategies.Version(name))
	if v < 0 {
		return 0, fmt.Errorf("version %q: %w", name, strategies.ErrNotFound)
	}
	return v, nil
}

// InjectErrors adds an error probability to every request a version
// serves (0 removes it).
func (w *World) InjectErrors(ver string, rate float64) error {
	v, err := w.versionIndex(ver)
	if err != nil {
		return err
	}
	w.faults.errAdd[v] = rate
	w.mark("fault", "errors %.1f%% on %s", rate*100, ver)
	return nil
}

// InjectLatency multiplies a version's service time by factor and adds
// add (1 and 0 remove it).
func (w *World) InjectLatency(ver string, factor float64, add time.Duration) error {
	v, err := w.versionIndex(ver)
	if err != nil {
		return err
	}
	w.faults.latFactor[v], w.faults.latAdd[v] = factor, add
	w.mark("fault", "latency ×%.2g +%v on %s", factor, add, ver)
	return nil
}

// FlapHealthChecks makes a share of a version's health checks fail.
func (w *World) FlapHealthChecks(ver string, failRate float64) error {
	v, err := w.versionIndex(ver)
	if err != nil {
		return err
	}
	w.faults.hcFail[v] = failRate
	w.mark("fault", "health checks of %s fail %.0f%%", ver, failRate*100)
	return nil
}

// OverrideVersion replaces a version's behaviour (a bad release decided at
// run time): its error rate, latency, crash and health-check settings.
// Instances already running keep their armed crash timers until restart.
func (w *World) OverrideVersion(spec VersionSpec) error {
	v, err := w.versionIndex(spec.Name)
	if err != nil {
		return err
	}
	w.versions[v] = w.compileVersion(spec)
	w.deriveSchemas()
	w.mark("fault", "%s behaviour changed", spec.Name)
	return nil
}

// SetIgnoreTTL makes a share of clients ignore the DNS TTL.
func (w *World) SetIgnoreTTL(fraction float64) {
	w.setIgnoreTTL(fraction)
	w.mark("fault", "%.0f%% of clients ignore the TTL", fraction*100)
}

// SetDNSDown makes the name unresolvable (resolvers that still hold an
// answer keep serving it until the TTL expires).
func (w *World) SetDNSDown(down bool) {
	w.faults.dnsDown = down
	w.mark("fault", "DNS outage: %v", down)
}

// SetLaunchFailures adds a probability that launches fail (capacity
// shortage).
func (w *World) SetLaunchFailures(rate float64) {
	w.faults.launchFail = rate
	w.mark("fault", "launch failures %.0f%%", rate*100)
}

// SetHookFailure makes a lifecycle event of in-place deploys fail with a
// probability ("" = every event).
func (w *World) SetHookFailure(step string, rate float64) error {
	if step != "" && !validStep(step) {
		return fmt.Errorf("lifecycle event %q: allowed %v", step, lifecycle)
	}
	w.faults.hookFail[step] = rate
	w.mark("fault", "lifecycle %q fails %.0f%%", step, rate*100)
	return nil
}

// SetDatabase slows every request by slow, holds a lock for lock (the
// requests wait for it), or takes the database down (requests fail).
func (w *World) SetDatabase(slow time.Duration, lock time.Duration, down bool) {
	w.faults.dbSlow, w.faults.dbDown = slow, down
	if lock > 0 {
		w.db.lockedUntil = max(w.db.lockedUntil, w.s.Now().Add(lock))
	}
	w.mark("fault", "database slow %v lock %v down %v", slow, lock, down)
}

// SetTrafficMultiplier scales the arrival rate (a spike).
func (w *World) SetTrafficMultiplier(m float64) {
	w.faults.spike = m
	w.rescheduleArrivals()
	w.mark("fault", "traffic ×%.2g", m)
}

// CrashApplications stops the application process on matching instances
// without a restart (a hung or dead process on a healthy machine): only
// load-balancer health checks (and an ELB-type group health check) notice.
func (w *World) CrashApplications(sel Selector) int {
	victims := w.selectInstances(sel, func(in *instance) bool {
		return in.state == strategies.InService && in.serving
	})
	for _, i := range victims {
		w.stopApp(i, observe.CauseConnectionReset)
	}
	w.mark("fault", "crashed the application on %d instances", len(victims))
	return len(victims)
}
