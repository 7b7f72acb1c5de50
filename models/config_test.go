package models

import (
	"math"
	"testing"
	"time"
)

func TestMeanServiceTime(t *testing.T) {
	for _, tc := range []struct {
		name     string
		p50, p99 time.Duration
		dist     string
		want     float64 // seconds
	}{
		// σ = ln(p99/p50)/z(0.99); mean = p50·exp(σ²/2).
		{"lognormal 60/120ms", 60 * time.Millisecond, 120 * time.Millisecond, "lognormal", 0.060 * math.Exp(math.Pow(math.Ln2/2.3263478740408408, 2)/2)},
		{"lognormal default 50/250ms", 50 * time.Millisecond, 250 * time.Millisecond, "", 0.050 * math.Exp(math.Pow(math.Log(5)/2.3263478740408408, 2)/2)},
		{"no spread", 80 * time.Millisecond, 80 * time.Millisecond, "lognormal", 0.080},
		// Exponential with median p50: mean = p50 / ln 2.
		{"exponential", 50 * time.Millisecond, 0, "exponential", 0.050 / math.Ln2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := VersionSpec{LatencyP50: tc.p50, LatencyP99: tc.p99, LatencyDist: tc.dist}
			if got := v.MeanServiceTime().Seconds(); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("mean %v s, want %v s", got, tc.want)
			}
		})
	}
}
