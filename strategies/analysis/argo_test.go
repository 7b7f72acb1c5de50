package analysis

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// step is one fed measurement: values, or an error when err is set.
type step struct {
	values []float64
	err    bool
}

func ok(v ...float64) step { return step{values: v} }

var errStep = step{err: true}

// For the rows below, successCondition result[0] >= 0.95 and failureCondition
// result[0] < 0.5 (when set): 1 is a success, 0 a failure, 0.7 neither.
const (
	succ = "result[0] >= 0.95"
	fail = "result[0] < 0.5"
)

func TestEvaluatorRules(t *testing.T) {
	tests := []struct {
		name   string
		metric Metric
		steps  []step
		want   []Phase // metric phase after each step
	}{
		{"failureLimit 0 fails on first failure",
			Metric{Interval: time.Minute, SuccessCondition: succ},
			[]step{ok(1), ok(1), ok(0)},
			[]Phase{PhaseRunning, PhaseRunning, PhaseFailed}},
		{"failureLimit 2 tolerates two failures",
			Metric{Interval: time.Minute, SuccessCondition: succ, FailureLimit: 2},
			[]step{ok(0), ok(1), ok(0), ok(0)},
			[]Phase{PhaseRunning, PhaseRunning, PhaseRunning, PhaseFailed}},
		{"failures need not be consecutive",
			Metric{Interval: time.Minute, SuccessCondition: succ, FailureLimit: 1},
			[]step{ok(0), ok(1), ok(1), ok(1), ok(0)},
			[]Phase{PhaseRunning, PhaseRunning, PhaseRunning, PhaseRunning, PhaseFailed}},
		{"inconclusiveLimit 0",
			Metric{Interval: time.Minute, SuccessCondition: succ, FailureCondition: fail},
			[]step{ok(1), ok(0.7)},
			[]Phase{PhaseRunning, PhaseInconclusive}},
		{"inconclusiveLimit 1",
			Metric{Interval: time.Minute, SuccessCondition: succ, FailureCondition: fail, InconclusiveLimit: 1},
			[]step{ok(0.7), ok(1), ok(0.7)},
			[]Phase{PhaseRunning, PhaseRunning, PhaseInconclusive}},
		{"consecutiveErrorLimit default 4: the 5th error errors",
			Metric{Interval: time.Minute, SuccessCondition: succ},
			[]step{errStep, errStep, errStep, errStep, errStep},
			[]Phase{PhaseRunning, PhaseRunning, PhaseRunning, PhaseRunning, PhaseError}},
		{"a measurement resets the error streak",
			Metric{Interval: time.Minute, SuccessCondition: succ},
			[]step{errStep, errStep, errStep, errStep, ok(1), errStep, errStep, errStep, errStep},
			slices.Repeat([]Phase{PhaseRunning}, 9)},
		{"consecutiveErrorLimit 0",
			Metric{Interval: time.Minute, SuccessCondition: succ, ConsecutiveErrorLimit: new(0)},
			[]step{errStep},
			[]Phase{PhaseError}},
		{"condition evaluation error is an Error measurement",
			Metric{Interval: time.Minute, SuccessCondition: succ, ConsecutiveErrorLimit: new(1)},
			[]step{ok(), ok()},
			[]Phase{PhaseRunning, PhaseError}},
		{"count reached",
			Metric{Interval: time.Minute, Count: 3, SuccessCondition: succ},
			[]step{ok(1), ok(1), ok(1)},
			[]Phase{PhaseRunning, PhaseRunning, PhaseSuccessful}},
		{"count reached with failures under the limit",
			Metric{Interval: time.Minute, Count: 3, SuccessCondition: succ, FailureLimit: 1},
			[]step{ok(1), ok(0), ok(1)},
			[]Phase{PhaseRunning, PhaseRunning, PhaseSuccessful}},
		{"errors do not count toward count",
			Metric{Interval: time.Minute, Count: 2, SuccessCondition: succ},
			[]step{ok(1), errStep, ok(1)},
			[]Phase{PhaseRunning, PhaseRunning, PhaseSuccessful}},
		{"no count or interval: one measurement",
			Metric{SuccessCondition: succ},
			[]step{ok(1)},
			[]Phase{PhaseSuccessful}},
		{"interval only: runs indefinitely",
			Metric{Interval: time.Minute, SuccessCondition: succ},
			slices.Repeat([]step{ok(1)}, 20),
			slices.Repeat([]Phase{PhaseRunning}, 20)},
		{"failure condition only",
			Metric{FailureCondition: fail},
			[]step{ok(0.7)},
			[]Phase{PhaseSuccessful}},
		{"both conditions true: failed",
			Metric{SuccessCondition: "result[0] > 0", FailureCondition: "result[0] > 0"},
			[]step{ok(1)},
			[]Phase{PhaseFailed}},
		{"no conditions: successful",
			Metric{},
			[]step{ok()},
			[]Phase{PhaseSuccessful}},
		{"scalar result",
			Metric{Result: ResultScalar, SuccessCondition: "result >= 0.95 && !isNaN(result)"},
			[]step{ok(0.97)},
			[]Phase{PhaseSuccessful}},
		{"NaN fails a success condition",
			Metric{SuccessCondition: succ},
			[]step{ok(math.NaN())},
			[]Phase{PhaseFailed}},
		{"vector helpers",
			Metric{Interval: time.Minute, SuccessCondition: "all(result, {# < 500}) && asInt(result[0]) == 120 && len(result) == 2"},
			[]step{ok(120.7, 300), ok(120.2, 600)},
			[]Phase{PhaseRunning, PhaseFailed}},
		{"consecutiveSuccessLimit with failureLimit disabled",
			Metric{Interval: time.Minute, Count: 10, SuccessCondition: succ, FailureLimit: -1, ConsecutiveSuccessLimit: 3},
			[]step{ok(1), ok(0), ok(1), ok(1), ok(1)},
			[]Phase{PhaseRunning, PhaseRunning, PhaseRunning, PhaseRunning, PhaseSuccessful}},
		{"an error breaks the success streak",
			Metric{Interval: time.Minute, SuccessCondition: succ, FailureLimit: -1, ConsecutiveSuccessLimit: 2},
			[]step{ok(1), errStep, ok(1), ok(1)},
			[]Phase{PhaseRunning, PhaseRunning, PhaseRunning, PhaseSuccessful}},
		{"consecutiveSuccessLimit only: count reached is Failed",
			Metric{Interval: time.Minute, Count: 3, SuccessCondition: succ, FailureLimit: -1, ConsecutiveSuccessLimit: 2},
			[]step{ok(1), ok(0), ok(1)},
			[]Phase{PhaseRunning, PhaseRunning, PhaseFailed}},
		{"both limits: count reached is Inconclusive",
			Metric{Interval: time.Minute, Count: 4, SuccessCondition: succ, FailureLimit: 2, ConsecutiveSuccessLimit: 3},
			[]step{ok(1), ok(0), ok(1), ok(0)},
			[]Phase{PhaseRunning, PhaseRunning, PhaseRunning, PhaseInconclusive}},
		{"both limits: failure limit first",
			Metric{Interval: time.Minute, Count: 4, SuccessCondition: succ, FailureLimit: 1, ConsecutiveSuccessLimit: 3},
			[]step{ok(0), ok(0)},
			[]Phase{PhaseRunning, PhaseFailed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.metric.Name = "m"
			e, err := NewEvaluator(tt.metric)
			if err != nil {
				t.Fatal(err)
			}
			if e.Phase() != PhasePending {
				t.Errorf("initial phase %v, want Pending", e.Phase())
			}
			var got []Phase
			for _, s := range tt.steps {
				var o Observation
				if s.err {
					o = e.ObserveError(errors.New("query failed"))
				} else {
					o = e.Observe(s.values...)
				}
				got = append(got, o.Metric)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("phases %v, want %v (counts %+v)", got, tt.want, e.Counts())
			}
		})
	}
}

func TestEvaluatorCounts(t *testing.T) {
	e, err := NewEvaluator(Metric{Name: "m", Interval: time.Minute, SuccessCondition: succ, FailureCondition: fail, FailureLimit: 5, InconclusiveLimit: 5})
	if err != nil {
		t.Fatal(err)
	}
	e.Observe(1)
	e.Observe(0)
	e.Observe(0.7)
	o := e.ObserveError(errors.New("timeout"))
	if o.Measurement != PhaseError || o.Err == nil || o.Err.Error() != "timeout" {
		t.Errorf("error observation %+v", o)
	}
	o = e.Observe() // index out of range
	if o.Measurement != PhaseError || o.Err == nil || !strings.Contains(o.Err.Error(), "index out of range") {
		t.Errorf("evaluation error observation %+v", o)
	}
	o = e.Observe(1)
	want := Counts{Count: 4, Successful: 2, Failed: 1, Inconclusive: 1, Error: 2, ConsecutiveError: 0, ConsecutiveSuccess: 1}
	if got := e.Counts(); got != want || o.Measurement != PhaseSuccessful {
		t.Errorf("counts %+v, want %+v", got, want)
	}
}

func TestEvaluatorCompletedAndTerminate(t *testing.T) {
	e, _ := NewEvaluator(Metric{Name: "m", SuccessCondition: succ})
	e.Observe(0)
	o := e.Observe(1)
	if o.Metric != PhaseFailed || !errors.Is(o.Err, ErrMetricCompleted) || e.Counts().Count != 1 {
		t.Errorf("after completion: %+v, counts %+v", o, e.Counts())
	}
	if got := e.Terminate(); got != PhaseFailed {
		t.Errorf("Terminate of a failed metric = %v", got)
	}
	bg, _ := NewEvaluator(Metric{Name: "bg", Interval: time.Minute, SuccessCondition: succ})
	bg.Observe(1)
	if got := bg.Terminate(); got != PhaseSuccessful {
		t.Errorf("Terminate of a running metric = %v, want Successful", got)
	}
	pending, _ := NewEvaluator(Metric{Name: "p", SuccessCondition: succ})
	if got := pending.Terminate(); got != PhaseSuccessful {
		t.Errorf("Terminate before any measurement = %v, want Successful", got)
	}
}

func TestNewEvaluatorErrors(t *testing.T) {
	tests := []struct {
		name   string
		metric Metric
		want   string
	}{
		{"unknown variable", Metric{Name: "m", SuccessCondition: "foo >= 1"}, `successCondition "foo >= 1": unknown name foo`},
		{"unknown variable in failure", Metric{Name: "m", FailureCondition: "result[0] > threshold"}, "unknown name threshold"},
		{"not a bool", Metric{Name: "m", SuccessCondition: "result[0] + 1"}, "expected bool"},
		{"syntax error", Metric{Name: "m", SuccessCondition: "result[0] >="}, "successCondition"},
		{"index into a scalar", Metric{Name: "m", Result: ResultScalar, SuccessCondition: "result[0] > 1"}, "successCondition"},
		{"Argo's isNil is absent", Metric{Name: "m", SuccessCondition: "isNil(result)"}, "isNil"},
		{"empty name", Metric{}, "metric name is empty"},
		{"count without interval", Metric{Name: "m", Count: 2}, "interval must be specified when count > 1"},
		{"count under failureLimit", Metric{Name: "m", Count: 2, Interval: time.Second, FailureLimit: 3}, "count 2 must be >="},
		{"failureLimit -1 alone", Metric{Name: "m", FailureLimit: -1}, "needs consecutiveSuccessLimit"},
		{"failureLimit -2", Metric{Name: "m", FailureLimit: -2}, "failureLimit -2"},
		{"negative inconclusiveLimit", Metric{Name: "m", InconclusiveLimit: -1}, "inconclusiveLimit -1"},
		{"negative consecutiveErrorLimit", Metric{Name: "m", ConsecutiveErrorLimit: new(-1)}, "consecutiveErrorLimit -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewEvaluator(tt.metric)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestEffectiveCount(t *testing.T) {
	tests := []struct {
		name string
		m    Metric
		n    int
		ok   bool
	}{
		{"neither", Metric{}, 1, true},
		{"count", Metric{Count: 5, Interval: time.Minute}, 5, true},
		{"interval only", Metric{Interval: time.Minute}, 0, false},
	}
	for _, tt := range tests {
		if n, ok := tt.m.EffectiveCount(); n != tt.n || ok != tt.ok {
			t.Errorf("%s: EffectiveCount() = %d, %v; want %d, %v", tt.name, n, ok, tt.n, tt.ok)
		}
	}
}

func TestRunPhase(t *testing.T) {
	tests := []struct {
		name   string
		phases []Phase
		want   Phase
	}{
		{"none", nil, PhaseRunning},
		{"one running", []Phase{PhaseSuccessful, PhaseRunning}, PhaseRunning},
		{"one pending", []Phase{PhaseFailed, PhasePending}, PhaseRunning},
		{"all successful", []Phase{PhaseSuccessful, PhaseSuccessful}, PhaseSuccessful},
		{"inconclusive beats successful", []Phase{PhaseSuccessful, PhaseInconclusive}, PhaseInconclusive},
		{"error beats inconclusive", []Phase{PhaseError, PhaseInconclusive}, PhaseError},
		{"failed is worst", []Phase{PhaseFailed, PhaseError, PhaseSuccessful}, PhaseFailed},
	}
	for _, tt := range tests {
		if got := RunPhase(tt.phases...); got != tt.want {
			t.Errorf("%s: RunPhase(%v) = %v, want %v", tt.name, tt.phases, got, tt.want)
		}
	}
	if Terminating(PhaseSuccessful, PhaseRunning) || !Terminating(PhaseRunning, PhaseInconclusive) {
		t.Error("Terminating: wrong answer")
	}
}
