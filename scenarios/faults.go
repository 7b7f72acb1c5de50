package scenarios

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/deploysim/deploysim/internal/sandbox"
	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/sim"
	"github.com/deploysim/deploysim/strategies"
)

// Fault is one entry of a chaos schedule: exactly one kind, started at a
// time after the deployment starts (at:) or when an expression over the
// world first becomes true (when:, checked every SLO window), and for
// faults that persist, undone after for: (0 = until the end of the run).
type Fault struct {
	Name string         `yaml:"name"`
	At   *time.Duration `yaml:"at"`
	When string         `yaml:"when"`
	For  time.Duration  `yaml:"for"`

	KillInstances     *KillInstancesFault     `yaml:"kill_instances"`
	CrashApplications *CrashApplicationsFault `yaml:"crash_applications"`
	AZOutage          *AZOutageFault          `yaml:"az_outage"`
	BadRelease        *BadReleaseFault        `yaml:"bad_release"`
	Errors            *ErrorsFault            `yaml:"errors"`
	Latency           *LatencyFault           `yaml:"latency"`
	FlapHealthChecks  *FlapHealthChecksFault  `yaml:"flap_health_checks"`
	IgnoreTTL         *IgnoreTTLFault         `yaml:"ignore_ttl"`
	DNSOutage         *DNSOutageFault         `yaml:"dns_outage"`
	LaunchFailures    *RateFault              `yaml:"launch_failures"`
	HookFailure       *HookFailureFault       `yaml:"hook_failure"`
	Database          *DatabaseFault          `yaml:"database"`
	TrafficSpike      *TrafficSpikeFault      `yaml:"traffic_spike"`
}

// KillInstancesFault kills machines (Auto Scaling replaces them). Empty
// fields match every instance; count and percent cap the victims.
type KillInstancesFault struct {
	Version string  `yaml:"version"` // a version name, $from or $to
	AZ      string  `yaml:"az"`
	Count   int     `yaml:"count"`
	Percent float64 `yaml:"percent"` // 0–100 (or 25%)
}

// CrashApplicationsFault stops the application on healthy machines (only
// health checks notice).
type CrashApplicationsFault KillInstancesFault

// AZOutageFault takes a zone down.
type AZOutageFault struct {
	AZ string `yaml:"az"` // default: the first zone
}

// BadReleaseFault changes a version's behaviour at run time (default: the
// new version); only the fields given change.
type BadReleaseFault struct {
	Version             string         `yaml:"version"`
	ErrorRate           *float64       `yaml:"error_rate"`
	HealthCheckFailRate *float64       `yaml:"health_check_fail_rate"`
	LatencyFactor       *float64       `yaml:"latency_factor"`
	CrashAfter          *models.Dist   `yaml:"crash_after"`
	LeakAfter           *time.Duration `yaml:"leak_after"`
}

// ErrorsFault adds an error probability to a version's requests.
type ErrorsFault struct {
	Version string  `yaml:"version"`
	Rate    float64 `yaml:"rate"`
}

// LatencyFault slows a version: service time × factor + add.
type LatencyFault struct {
	Version string        `yaml:"version"`
	Factor  float64       `yaml:"factor"`
	Add     time.Duration `yaml:"add"`
}

// FlapHealthChecksFault fails a share of a version's health checks.
type FlapHealthChecksFault struct {
	Version string  `yaml:"version"`
	Rate    float64 `yaml:"rate"`
}

// IgnoreTTLFault makes a share of clients ignore the DNS TTL.
type IgnoreTTLFault struct {
	Fraction float64 `yaml:"fraction"`
}

// DNSOutageFault makes the name unresolvable (write dns_outage: {}).
type DNSOutageFault struct{}

// RateFault is a probability (launch failures: insufficient capacity).
type RateFault struct {
	Rate float64 `yaml:"rate"`
}

// HookFailureFault fails a lifecycle event of in-place deploys.
type HookFailureFault struct {
	Step string  `yaml:"step"` // "" = every event
	Rate float64 `yaml:"rate"`
}

// DatabaseFault slows, locks or takes down the database.
type DatabaseFault struct {
	Slow time.Duration `yaml:"slow"`
	Lock time.Duration `yaml:"lock"`
	Down bool          `yaml:"down"`
}

// TrafficSpikeFault multiplies the arrival rate.
type TrafficSpikeFault struct {
	Multiplier float64 `yaml:"multiplier"`
}

// FaultKinds describes each fault kind for `list faults` and the docs.
var FaultKinds = []struct{ Name, Summary string }{
	{"kill_instances", "kill machines {version, az, count, percent}; Auto Scaling replaces them"},
	{"crash_applications", "stop the application on healthy machines {version, az, count, percent}; only health checks notice"},
	{"az_outage", "take an availability zone down {az} (for: brings it back)"},
	{"bad_release", "change a version's behaviour {version, error_rate, health_check_fail_rate, latency_factor, crash_after, leak_after}"},
	{"errors", "add an error probability to a version {version, rate}"},
	{"latency", "slow a version {version, factor, add}"},
	{"flap_health_checks", "fail a share of a version's health checks {version, rate}"},
	{"ignore_ttl", "make a share of clients ignore the DNS TTL {fraction}"},
	{"dns_outage", "make the name unresolvable {}"},
	{"launch_failures", "fail instance launches (capacity shortage) {rate}"},
	{"hook_failure", "fail a CodeDeploy lifecycle event of in-place deploys {step, rate}"},
	{"database", "slow, lock or take down the database {slow, lock, down}"},
	{"traffic_spike", "multiply the request rate {multiplier}"},
}

// fault is a Fault checked and ready to schedule.
type fault struct {
	label string
	field string // faults[i], for errors
	at    time.Duration
	when  *sandbox.Program
	dur   time.Duration
	// start applies the fault and returns its undo (nil: nothing to undo).
	start func(w *models.World) func()
}

func (sc *Scenario) compileFaults(d *decoder) {
	for i, f := range sc.File.Faults {
		path := fmt.Sprintf("faults[%d]", i)
		var kinds []string
		v := reflect.ValueOf(f)
		for k := range v.NumField() {
			if fv := v.Field(k); fv.Kind() == reflect.Pointer && !fv.IsNil() && v.Type().Field(k).Name != "At" {
				kinds = append(kinds, fieldName(v.Type().Field(k)))
			}
		}
		if len(kinds) != 1 {
			d.errField(path, "got %d fault kinds (%s), want exactly one (allowed: %s)", len(kinds), strings.Join(kinds, ", "), strings.Join(faultKindNames(), ", "))
			continue
		}
		ft := fault{label: f.Name, field: path, dur: f.For}
		if ft.label == "" {
			ft.label = kinds[0]
		}
		switch {
		case f.At != nil && f.When != "":
			d.errField(path, "both at: and when: given, want one")
		case f.When != "":
			prog, err := compileWhen(f.When)
			if err != nil {
				d.errField(path+".when", "%s (allowed names: %s)", exprError(err), strings.Join(WhenNames, ", "))
			}
			ft.when = prog
		case f.At != nil:
			ft.at = *f.At
		}
		ft.start = sc.faultAction(d, path+"."+kinds[0], &f)
		sc.faults = append(sc.faults, ft)
	}
}

func faultKindNames() []string {
	var s []string
	for _, k := range FaultKinds {
		s = append(s, k.Name)
	}
	return s
}

// version resolves a fault's version field: "" and "$to" are the new
// version, "$from" the old one.
func (sc *Scenario) version(d *decoder, path, v string) string {
	switch v {
	case "", "$to":
		return sc.Deployment.To
	case "$from":
		return sc.Deployment.From
	}
	if _, ok := sc.Versions[v]; !ok {
		d.errField(path+".version", "%s", unknown("version", v, append([]string{"$from", "$to"}, slices.Sorted(maps.Keys(sc.Versions))...)))
	}
	return v
}

func (sc *Scenario) selector(d *decoder, path string, k KillInstancesFault) models.Selector {
	sel := models.Selector{AZ: k.AZ, Count: k.Count, Percent: k.Percent}
	if k.Percent > 0 && k.Percent <= 1 {
		sel.Percent = k.Percent * 100 // written as 25% (0.25) or 25
	}
	if k.Version != "" {
		sel.Version = sc.version(d, path, k.Version)
	}
	if k.AZ != "" && !contains(sc.Config.AZs, k.AZ) {
		d.errField(path+".az", "%s", unknown("availability zone", k.AZ, sc.Config.AZs))
	}
	if k.Count < 0 || sel.Percent < 0 || sel.Percent > 100 {
		d.errField(path, "count and percent must be non-negative, percent at most 100")
	}
	return sel
}

func contains(s []string, x string) bool {
	for _, e := range s {
		if e == x {
			return true
		}
	}
	return false
}

// faultAction returns the function that applies f to a world.
func (sc *Scenario) faultAction(d *decoder, path string, f *Fault) func(w *models.World) func() {
	switch {
	case f.KillInstances != nil:
		sel := sc.selector(d, path, *f.KillInstances)
		return func(w *models.World) func() { w.KillInstances(sel); return nil }
	case f.CrashApplications != nil:
		sel := sc.selector(d, path, KillInstancesFault(*f.CrashApplications))
		return func(w *models.World) func() { w.CrashApplications(sel); return nil }
	case f.AZOutage != nil:
		az := f.AZOutage.AZ
		if az == "" {
			az = sc.Config.AZs[0]
		} else if !contains(sc.Config.AZs, az) {
			d.errField(path+".az", "%s", unknown("availability zone", az, sc.Config.AZs))
		}
		return func(w *models.World) func() {
			_ = w.SetAZDown(az, true)
			return func() { _ = w.SetAZDown(az, false) }
		}
	case f.BadRelease != nil:
		b := f.BadRelease
		name := sc.version(d, path, b.Version)
		return func(w *models.World) func() {
			orig, _ := sc.Config.Version(name)
			spec := orig
			if b.ErrorRate != nil {
				spec.ErrorRate = *b.ErrorRate
			}
			if b.HealthCheckFailRate != nil {
				spec.HealthCheckFailRate = *b.HealthCheckFailRate
			}
			if b.LatencyFactor != nil {
				spec.LatencyP50 = time.Duration(float64(spec.LatencyP50) * *b.LatencyFactor)
				spec.LatencyP99 = time.Duration(float64(spec.LatencyP99) * *b.LatencyFactor)
			}
			if b.CrashAfter != nil {
				spec.CrashAfter = *b.CrashAfter
			}
			if b.LeakAfter != nil {
				spec.LeakAfter = *b.LeakAfter
			}
			_ = w.OverrideVersion(spec)
			return func() { _ = w.OverrideVersion(orig) }
		}
	case f.Errors != nil:
		v, rate := sc.version(d, path, f.Errors.Version), f.Errors.Rate
		return func(w *models.World) func() {
			_ = w.InjectErrors(v, rate)
			return func() { _ = w.InjectErrors(v, 0) }
		}
	case f.Latency != nil:
		l := *f.Latency
		v := sc.version(d, path, l.Version)
		if l.Factor == 0 {
			l.Factor = 1
		}
		if l.Factor < 0 {
			d.errField(path+".factor", "got %v, want a positive factor", l.Factor)
		}
		return func(w *models.World) func() {
			_ = w.InjectLatency(v, l.Factor, l.Add)
			return func() { _ = w.InjectLatency(v, 1, 0) }
		}
	case f.FlapHealthChecks != nil:
		v, rate := sc.version(d, path, f.FlapHealthChecks.Version), f.FlapHealthChecks.Rate
		return func(w *models.World) func() {
			_ = w.FlapHealthChecks(v, rate)
			return func() { _ = w.FlapHealthChecks(v, 0) }
		}
	case f.IgnoreTTL != nil:
		frac, orig := f.IgnoreTTL.Fraction, sc.Config.DNS.IgnoreTTLFraction
		return func(w *models.World) func() {
			w.SetIgnoreTTL(frac)
			return func() { w.SetIgnoreTTL(orig) }
		}
	case f.DNSOutage != nil:
		return func(w *models.World) func() {
			w.SetDNSDown(true)
			return func() { w.SetDNSDown(false) }
		}
	case f.LaunchFailures != nil:
		rate := f.LaunchFailures.Rate
		return func(w *models.World) func() {
			w.SetLaunchFailures(rate)
			return func() { w.SetLaunchFailures(0) }
		}
	case f.HookFailure != nil:
		h := *f.HookFailure
		return func(w *models.World) func() {
			_ = w.SetHookFailure(h.Step, h.Rate)
			return func() { _ = w.SetHookFailure(h.Step, 0) }
		}
	case f.Database != nil:
		db := *f.Database
		return func(w *models.World) func() {
			w.SetDatabase(db.Slow, db.Lock, db.Down)
			return func() { w.SetDatabase(0, 0, false) }
		}
	case f.TrafficSpike != nil:
		m := f.TrafficSpike.Multiplier
		if m == 0 {
			m = 3
		}
		if m < 0 {
			d.errField(path+".multiplier", "got %v, want a positive multiplier", m)
		}
		return func(w *models.World) func() {
			w.SetTrafficMultiplier(m)
			return func() { w.SetTrafficMultiplier(1) }
		}
	}
	return nil
}

// schedule starts one process per fault in w, before the deployment runs.
// Times are relative to the deployment's start (deployAt); when: triggers
// are checked at the end of every observation period from then on.
func (sc *Scenario) schedule(w *models.World, deployAt time.Duration) {
	period := sc.Config.Measure.Window
	for _, f := range sc.faults {
		w.Sim().Go("fault "+f.label, func(p *sim.Proc) {
			p.Sleep(deployAt)
			if f.when == nil {
				p.Sleep(f.at)
			} else {
				for {
					ok, err := sc.triggered(w, f.when, deployAt)
					if err != nil {
						w.Fail(&models.ExprError{Field: f.field + ".when", Err: err})
						return
					}
					if ok {
						break
					}
					p.Sleep(period)
				}
			}
			w.FaultStarted()
			undo := f.start(w)
			switch {
			case undo == nil:
				w.FaultEnded() // done at once; its effects play out in the world
			case f.dur > 0:
				p.Sleep(f.dur)
				undo()
				w.FaultEnded()
			}
		})
	}
}

// triggered evaluates a when: expression over the last observation
// period. An evaluation error is returned: it stops the run, since a
// trigger that cannot be evaluated must not be taken as false.
func (sc *Scenario) triggered(w *models.World, prog *sandbox.Program, deployAt time.Duration) (bool, error) {
	win := sc.Config.Measure.Window
	all := w.Window(strategies.Scope{}, win)
	nw := w.Window(strategies.Scope{Version: strategies.Version(sc.Deployment.To)}, win)
	old := w.Window(strategies.Scope{Version: strategies.Version(sc.Deployment.From)}, win)
	rate := func(s strategies.Stats) float64 {
		if s.Requests == 0 {
			return 0
		}
		return float64(s.Errors) / float64(s.Requests)
	}
	env := WhenEnv{
		TimeS:        (w.Now() - deployAt).Seconds(),
		ErrorRate:    rate(all),
		NewErrorRate: rate(nw),
		OldErrorRate: rate(old),
		RequestsPerS: float64(all.Requests) / win.Seconds(),
		LatencyP99Ms: float64(all.LatencyP99) / float64(time.Millisecond),
	}
	if all.Requests > 0 {
		env.NewVersionShare = float64(nw.Requests) / float64(all.Requests)
	}
	out, err := prog.Run(env)
	if err != nil {
		return false, err
	}
	return out.(bool), nil // a Bool context returns a bool or an error
}
