package observe

import (
	"errors"
	"strings"
	"testing"
)

func TestParseStatistic(t *testing.T) {
	p := func(v float64) Statistic {
		s, err := Percentile(v)
		if err != nil {
			t.Fatalf("Percentile(%v): %v", v, err)
		}
		return s
	}
	tests := []struct {
		in     string
		want   Statistic
		canon  string
		errSub string
	}{
		{in: "Sum", want: StatSum, canon: "Sum"},
		{in: "average", want: StatAverage, canon: "Average"},
		{in: "MINIMUM", want: StatMinimum, canon: "Minimum"},
		{in: "Maximum", want: StatMaximum, canon: "Maximum"},
		{in: "SampleCount", want: StatSampleCount, canon: "SampleCount"},
		{in: "p50", want: p(50), canon: "p50"},
		{in: "p90", want: p(90), canon: "p90"},
		{in: "P99", want: p(99), canon: "p99"},
		{in: "p99.9", want: p(99.9), canon: "p99.9"},
		{in: "p99.90", want: p(99.9), canon: "p99.9"},
		{in: "p99.99", want: p(99.99), canon: "p99.99"},
		{in: "p0.5", want: p(0.5), canon: "p0.5"},
		{in: "p0.05", want: p(0.05), canon: "p0.05"},
		{in: "p0", want: p(0), canon: "p0"},
		{in: "p100", want: p(100), canon: "p100"},
		{in: "p100.01", errSub: "p99.9"},
		{in: "p99.999", errSub: "two decimals"},
		{in: "p99.", errSub: "SampleCount"},
		{in: "p", errSub: "SampleCount"},
		{in: "p-1", errSub: "SampleCount"},
		{in: "tm99", errSub: "SampleCount"},
		{in: "", errSub: "Average"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseStatistic(tt.in)
			if tt.errSub != "" {
				var fe *FieldError
				if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.errSub) {
					t.Errorf("ParseStatistic(%q) = %v, %v; want a FieldError mentioning %q", tt.in, got, err, tt.errSub)
				}
				return
			}
			if err != nil || got != tt.want || got.String() != tt.canon {
				t.Errorf("ParseStatistic(%q) = %v (%d), %v; want %s", tt.in, got, got, err, tt.canon)
			}
		})
	}
	if p(99.9).Percentile() != 99.9 || !p(99.9).IsPercentile() || StatAverage.IsPercentile() {
		t.Errorf("Percentile accessors disagree")
	}
	for _, bad := range []float64{-1, 100.5, 99.999, nan()} {
		if _, err := Percentile(bad); err == nil {
			t.Errorf("Percentile(%v) accepted", bad)
		}
	}
}

// FuzzParseStatistic checks that whatever parses prints in a form that
// parses back to the same statistic.
func FuzzParseStatistic(f *testing.F) {
	for _, s := range []string{"Sum", "average", "p99", "p99.9", "p0.05", "p100", "p1000", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		st, err := ParseStatistic(s)
		if err != nil {
			return
		}
		back, err := ParseStatistic(st.String())
		if err != nil || back != st {
			t.Errorf("ParseStatistic(%q) = %v, which parses back as %v, %v", s, st, back, err)
		}
	})
}
