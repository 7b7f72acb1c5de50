// Package sandboxtest checks the sandbox's promises on one expression, for
// the fuzz targets of every context: compiling and running never panic,
// take bounded time, and fail only with a *sandbox.Error whose message is
// short.
package sandboxtest

import (
	"errors"
	"testing"
	"time"

	"github.com/deploysim/deploysim/internal/sandbox"
)

// Seeds are expressions every context's fuzz target starts from: the
// attacks the sandbox refuses and the constructs it allows.
var Seeds = []string{
	`let r = 1..1000; all(r, {all(r, {all(r, {true})})})`,
	`!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!true`,
	`[][0] > 1`,
	`[1][int(1.5) + 3] > 0`,
	`now().Unix() > 0`,
	`$env.x`,
	`len(map(1..100, {# * 2})) > 50 && any([1, 2], {# > 1})`,
	`let s = "ab"; let t = s + s; len(t + t) > 2`,
	`abs(-1) + ceil(0.5) + floor(1.5) + round(2.5) + min(1, 2) + max(3, 4) > 0`,
	`1 / 0 > 0`,
	`(((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))) > 0`,
	`"a" matches "a+" || "b" in ["a", "b"]`,
	`filter(1..10, {# % 2 == 0})[5] > 0`,
}

// Check compiles src in c and, when it compiles, runs it over env.
func Check(t *testing.T, c *sandbox.Context, src string, env any) {
	t.Helper()
	const limit = 2 * time.Second // generous: under the race detector too
	start := time.Now()
	p, err := c.Compile(src)
	if d := time.Since(start); d > limit {
		t.Fatalf("Compile(%.80q) took %v", src, d)
	}
	if err != nil {
		checkError(t, src, err, false)
		return
	}
	if p.Cost > sandbox.MaxCost {
		t.Fatalf("Compile(%.80q) accepted a cost bound of %d > %d", src, p.Cost, sandbox.MaxCost)
	}
	start = time.Now()
	out, err := p.Run(env)
	if d := time.Since(start); d > limit {
		t.Fatalf("Run(%.80q) took %v with a cost bound of %d", src, d, p.Cost)
	}
	if err != nil {
		checkError(t, src, err, true)
		return
	}
	switch out.(type) {
	case bool:
	case float64:
		if c.Result != sandbox.NumberOrBool {
			t.Fatalf("Run(%.80q) = %v in a boolean context", src, out)
		}
	default:
		t.Fatalf("Run(%.80q) = %T", src, out)
	}
}

func checkError(t *testing.T, src string, err error, runtime bool) {
	t.Helper()
	var se *sandbox.Error
	if !errors.As(err, &se) {
		t.Fatalf("%.80q: error %v is not a *sandbox.Error", src, err)
	}
	if se.Runtime != runtime {
		t.Fatalf("%.80q: Runtime = %v for %v", src, se.Runtime, err)
	}
	if n := len(err.Error()); n > 1024 {
		t.Fatalf("%.80q: a %d-byte message echoes the input", src, n)
	}
}
