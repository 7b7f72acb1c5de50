package models

import (
	"slices"
	"time"

	"github.com/deploysim/deploysim/models/observe"
	"github.com/deploysim/deploysim/strategies"
)

// Snapshot is the world's state at one moment, as plain values, for live
// monitoring (deploysim serve). Taking one allocates; it is meant for a
// few times a second, not per event.
type Snapshot struct {
	At     time.Duration
	Events uint64
	// Requests counts every ended request since the start by version
	// ("" for requests that reached none) and outcome cause.
	Requests []VersionRequests
	// Instances counts live instances by version and state.
	Instances []VersionInstances
	// TargetGroups lists each target group's targets by health state.
	TargetGroups []TargetGroupHealth
	// Listeners lists each live load balancer's forward weights.
	Listeners []ListenerWeights
	DNS       []strategies.WeightedRecord
	Alarms    []AlarmStatus
	// Phase is the deployment phase last announced ("" before one).
	Phase string
}

// VersionRequests is one version's ended requests by cause.
type VersionRequests struct {
	Version string
	ByCause map[string]int64
}

// VersionInstances is one version's live instances by state.
type VersionInstances struct {
	Version                         string
	Pending, InService, Terminating int
	Serving                         int
}

// TargetGroupHealth is one target group's targets by state.
type TargetGroupHealth struct {
	Name                                  string
	Initial, Healthy, Unhealthy, Draining int
}

// ListenerWeights is one load balancer's forward action.
type ListenerWeights struct {
	Name    string // its environment name
	Forward []TargetGroupWeight
}

// TargetGroupWeight is one weighted target group of a listener.
type TargetGroupWeight struct {
	TargetGroup string
	Weight      int
}

// AlarmStatus is an alarm's current state.
type AlarmStatus struct {
	Name  string
	State string
}

// Snapshot returns the world's current state.
func (w *World) Snapshot() Snapshot {
	s := Snapshot{At: w.Now(), Events: w.s.Events(), DNS: slices.Clone(w.dns.records)}
	for v := range len(w.versions) + 1 {
		name := ""
		if v > 0 {
			name = w.versions[v-1].spec.Name
		}
		vr := VersionRequests{Version: name, ByCause: map[string]int64{}}
		for c := range observe.NumCauses {
			vr.ByCause[observe.Cause(c).String()] = w.meter.ended[v][c]
		}
		s.Requests = append(s.Requests, vr)
	}
	inst := make([]VersionInstances, len(w.versions))
	for v := range inst {
		inst[v].Version = w.versions[v].spec.Name
	}
	for g := range w.groups {
		for _, i := range w.groups[g].members {
			in := &w.insts[i]
			vi := &inst[in.ver]
			switch in.state {
			case strategies.Pending:
				vi.Pending++
			case strategies.InService:
				vi.InService++
			case strategies.Terminating:
				vi.Terminating++
			}
			if in.serving {
				vi.Serving++
			}
		}
	}
	s.Instances = inst
	for tg := 1; tg < len(w.tgs); tg++ {
		g := &w.tgs[tg]
		h := TargetGroupHealth{Name: g.name}
		for _, t := range g.targets {
			switch t.state {
			case strategies.TargetInitial:
				h.Initial++
			case strategies.TargetHealthy:
				h.Healthy++
			case strategies.TargetUnhealthy:
				h.Unhealthy++
			case strategies.TargetDraining:
				h.Draining++
			}
		}
		s.TargetGroups = append(s.TargetGroups, h)
	}
	for lb := range w.lbs {
		l := &w.lbs[lb]
		if l.deleted {
			continue
		}
		lw := ListenerWeights{Name: l.cname}
		for _, f := range l.fwd {
			lw.Forward = append(lw.Forward, TargetGroupWeight{TargetGroup: w.tgs[f.TargetGroup].name, Weight: f.Weight})
		}
		s.Listeners = append(s.Listeners, lw)
	}
	for k := range w.alarms {
		st, _ := w.alarmState(w.alarms[k].spec.Name)
		s.Alarms = append(s.Alarms, AlarmStatus{Name: w.alarms[k].spec.Name, State: st.String()})
	}
	for k := len(w.log) - 1; k >= 0; k-- {
		if w.log[k].Kind == "phase" {
			s.Phase = w.log[k].Text
			break
		}
	}
	return s
}
