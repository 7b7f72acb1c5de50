package models

import (
	"testing"

	"github.com/deploysim/deploysim/internal/sandbox/sandboxtest"
)

func FuzzAlarmExpression(f *testing.F) {
	for _, s := range append(sandboxtest.Seeds, `100 * errors / requests`, `error_rate > 0.05 && requests > 100`) {
		f.Add(s, 0.1)
	}
	f.Fuzz(func(t *testing.T, src string, x float64) {
		sandboxtest.Check(t, AlarmExpressions, src, AlarmEnv{ErrorRate: x, SuccessRate: 1 - x, Errors: 10 * x,
			Requests: 100, LatencyP50: 50 * x, LatencyP90: 90, LatencyP99: 250, LatencyMean: 60, HealthyHosts: 3})
	})
}
