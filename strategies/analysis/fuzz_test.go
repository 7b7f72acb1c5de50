package analysis

import (
	"testing"

	"github.com/deploysim/deploysim/internal/sandbox/sandboxtest"
)

// FuzzCondition compiles and evaluates analysis conditions over a vector
// and a scalar result.
func FuzzCondition(f *testing.F) {
	for _, s := range append(sandboxtest.Seeds, `result[0] >= 0.95`, `all(result, {# < 0.5}) && len(result) > 0`, `isNaN(result) || result < asFloat(1)`) {
		f.Add(s, 0.5, uint8(1))
	}
	f.Fuzz(func(t *testing.T, src string, x float64, n uint8) {
		vec := make([]float64, int(n)%8)
		for i := range vec {
			vec[i] = x * float64(i)
		}
		sandboxtest.Check(t, Conditions[ResultVector], src, &vectorEnv{Result: vec, helpers: envHelpers})
		sandboxtest.Check(t, Conditions[ResultScalar], src, &scalarEnv{Result: x, helpers: envHelpers})
	})
}
