package analysis

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestFlaggerCheck(t *testing.T) {
	metrics := []FlaggerMetric{
		{Name: RequestSuccessRate, ThresholdRange: ThresholdRange{Min: new(99.0)}},
		{Name: RequestDuration, ThresholdRange: ThresholdRange{Max: new(500.0)}},
	}
	tests := []struct {
		name     string
		metrics  []FlaggerMetric
		readings []Reading
		passed   bool
		metric   string
		reason   string
	}{
		{"both within", metrics, []Reading{{Value: 99.5}, {Value: 420}}, true, "", ""},
		{"bounds are inclusive", metrics, []Reading{{Value: 99}, {Value: 500}}, true, "", ""},
		{"success rate low", metrics, []Reading{{Value: 98.2}, {Value: 420}}, false, RequestSuccessRate, "request-success-rate 98.2% < 99%"},
		{"duration high", metrics, []Reading{{Value: 99.9}, {Value: 612}}, false, RequestDuration, "request-duration 612ms > 500ms"},
		{"first failure reported", metrics, []Reading{{Value: 50}, {Value: 900}}, false, RequestSuccessRate, ""},
		{"no traffic", metrics, []Reading{{NoData: true}, {Value: 1}}, false, RequestSuccessRate, "no values found for metric request-success-rate"},
		{"NaN is no data", metrics, []Reading{{Value: 100}, {Value: math.NaN()}}, false, RequestDuration, "no values found"},
		{"deprecated threshold is a floor for success rate",
			[]FlaggerMetric{{Name: RequestSuccessRate, Threshold: 99}}, []Reading{{Value: 98}}, false, RequestSuccessRate, "< 99%"},
		{"deprecated threshold is a ceiling for duration",
			[]FlaggerMetric{{Name: RequestDuration, Threshold: 500}}, []Reading{{Value: 501}}, false, RequestDuration, "> 500ms"},
		{"custom metric range",
			[]FlaggerMetric{{Name: "error-rate", ThresholdRange: ThresholdRange{Min: new(0.0), Max: new(1.0)}}}, []Reading{{Value: -0.5}}, false, "error-rate", "error-rate -0.5 < 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewFlaggerChecker(FlaggerAnalysis{Threshold: 5, Metrics: tt.metrics})
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Check(tt.readings)
			if err != nil {
				t.Fatal(err)
			}
			if got.Passed != tt.passed || got.Metric != tt.metric || (tt.reason != "" && !strings.Contains(got.Reason, tt.reason)) {
				t.Errorf("Check = %+v, want passed=%v metric=%q reason ~%q", got, tt.passed, tt.metric, tt.reason)
			}
		})
	}
}

func TestFlaggerThreshold(t *testing.T) {
	pass, failing := []Reading{{Value: 99.9}}, []Reading{{Value: 90}}
	tests := []struct {
		name      string
		threshold int
		checks    [][]Reading
		rollback  []bool // RollbackDue after each check
	}{
		{"default threshold 1", 0, [][]Reading{pass, failing}, []bool{false, true}},
		{"threshold 2, cumulative", 2, [][]Reading{failing, pass, pass, failing}, []bool{false, false, false, true}},
		{"threshold 3", 3, [][]Reading{failing, failing, pass, failing}, []bool{false, false, false, true}},
		{"never failing", 1, [][]Reading{pass, pass, pass}, []bool{false, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewFlaggerChecker(FlaggerAnalysis{Threshold: tt.threshold, Metrics: []FlaggerMetric{
				{Name: RequestSuccessRate, ThresholdRange: ThresholdRange{Min: new(99.0)}},
			}})
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range tt.checks {
				if _, err := c.Check(r); err != nil {
					t.Fatal(err)
				}
				if got := c.RollbackDue(); got != tt.rollback[i] {
					t.Errorf("after check %d (failed %d): RollbackDue = %v, want %v", i+1, c.FailedChecks(), got, tt.rollback[i])
				}
			}
			c.Reset()
			if c.FailedChecks() != 0 || c.RollbackDue() {
				t.Error("Reset did not clear the failed checks")
			}
		})
	}
}

func TestFlaggerDefaultsAndErrors(t *testing.T) {
	intervals := []struct{ in, want time.Duration }{{0, time.Minute}, {5 * time.Second, 10 * time.Second}, {30 * time.Second, 30 * time.Second}}
	for _, tt := range intervals {
		if got := (FlaggerAnalysis{Interval: tt.in}).EffectiveInterval(); got != tt.want {
			t.Errorf("EffectiveInterval(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
	c, _ := NewFlaggerChecker(FlaggerAnalysis{Metrics: []FlaggerMetric{{Name: RequestDuration, Threshold: 500}}})
	if _, err := c.Check(nil); !errors.Is(err, ErrReadings) {
		t.Errorf("Check(nil): err = %v, want ErrReadings", err)
	}
	bad := []FlaggerAnalysis{
		{Threshold: -1},
		{Interval: -time.Second},
		{Metrics: []FlaggerMetric{{}}},
		{Metrics: []FlaggerMetric{{Name: "x", ThresholdRange: ThresholdRange{Max: new(math.NaN())}}}},
	}
	for i, a := range bad {
		if _, err := NewFlaggerChecker(a); err == nil {
			t.Errorf("bad[%d]: want an error", i)
		}
	}
}
