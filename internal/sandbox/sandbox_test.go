package sandbox

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

type testEnv struct {
	X      float64   `expr:"x"`
	Result []float64 `expr:"result"`
	IsNaN  func(float64) bool
}

var (
	numeric = &Context{Name: "test", Env: testEnv{}, Builtins: []string{"abs", "min", "max"}}
	lists   = &Context{
		Name: "list test", Env: testEnv{}, Functions: []string{"IsNaN"},
		Builtins: []string{"all", "any", "map", "filter", "len", "sortBy"},
		Lists:    map[string]int{"result": 1000},
	}
	number = &Context{Name: "number test", Env: testEnv{}, Builtins: []string{"abs"}, Result: NumberOrBool}
)

func TestCompileRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		ctx       *Context
		want      string
	}{
		{"nested loops over a range", `let r = 1..1000; all(r, {all(r, {all(r, {true})})})`, lists, "may take up to"},
		{"predicate not on the allowlist", `any([1,2], {# > x})`, numeric, "function any is not allowed in test"},
		{"clock", `now().Unix() > 0`, lists, "function now is not allowed"},
		{"environment", `$env.x > 1`, numeric, "$env is not allowed"},
		{"a million bangs", strings.Repeat("!", 1_000_000) + "true", numeric, "bytes long; the limit is 2048"},
		{"deep bangs", strings.Repeat("!", 100) + "true", numeric, "nests 100 deep"},
		{"deep brackets", strings.Repeat("(", 40) + "x" + strings.Repeat(")", 40) + " > 1", numeric, "nests 40 deep"},
		{"constant index out of range", `[][0] > 1`, numeric, "index 0 is out of range of a list of 0"},
		{"range with variable bound", `all(1..int(x), {# > 0})`, lists, "a range's bounds must be integer literals"},
		{"huge range", `len(1..100000) > 0`, lists, "builds a list or string of up to 100000 elements"},
		{"string doubling", `let a = "xxxxxxxxxx"; let b = a+a; let c = b+b; let d = c+c; let e = d+d; let f = e+e; let g = f+f; let h = g+g; let i = h+h; let j = i+i; let k = j+j; len(k) > 0`, lists, "builds a list or string"},
		{"nested predicates over the env list", `all(result, {all(result, {# > 0})})`, lists, "may take up to"},
		{"method call", `x.String() == ""`, numeric, "methods cannot be called"},
		{"unknown name", `y > 1`, numeric, "unknown name y"},
		{"not a boolean", `x + 1`, numeric, "expected bool"},
		{"a string where a number is wanted", `"a"`, number, "want a number or a boolean"},
		{"empty", `  `, numeric, "empty"},
		{"sort of a huge list is priced", `len(sortBy(map(1..10000, {#}), {-#})) > 0`, lists, "may take up to"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan struct{})
			var err error
			go func() { defer close(done); _, err = tc.ctx.Compile(tc.src) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("Compile did not return within 5s")
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("Compile(%.60q) = %v, want an *Error", tc.src, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Compile(%.60q) error %q, want it to contain %q", tc.src, err, tc.want)
			}
			if len(err.Error()) > 600 {
				t.Fatalf("error is %d bytes: it echoes the input", len(err.Error()))
			}
		})
	}
}

func TestCompileAndRun(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		ctx       *Context
		env       testEnv
		want      any
		maxCost   int64
	}{
		{"arithmetic", `abs(x - 3) < 1 && min(x, 2) == 2`, numeric, testEnv{X: 2.5}, true, 20},
		{"a predicate over the result", `all(result, {# < 0.05}) && len(result) == 2`, lists, testEnv{Result: []float64{0.01, 0.02}}, true, 20_000},
		{"map then filter", `len(filter(map(1..100, {# * 2}), {# > 100})) == 50`, lists, testEnv{}, true, 1100},
		{"env function", `IsNaN(x)`, lists, testEnv{X: math.NaN(), IsNaN: math.IsNaN}, true, 10},
		{"number", `abs(x) * 2`, number, testEnv{X: -2}, 4.0, 10},
		{"boolean read by a number context", `x > 1`, number, testEnv{X: 2}, true, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.ctx.Compile(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			if p.Cost > tc.maxCost {
				t.Fatalf("cost bound %d, want at most %d", p.Cost, tc.maxCost)
			}
			got, err := p.Run(tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("Run = %v (%T), want %v", got, got, tc.want)
			}
		})
	}
}

// TestRunErrors: an evaluation error is an *Error with Runtime set that
// names the expression, never a panic.
func TestRunErrors(t *testing.T) {
	p, err := lists.Compile(`result[3] > 0`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Run(testEnv{Result: []float64{1}})
	var se *Error
	if !errors.As(err, &se) || !se.Runtime {
		t.Fatalf("Run = %v, want a runtime *Error", err)
	}
	if !strings.Contains(err.Error(), `evaluating "result[3] > 0"`) || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("error %q: want the context, the expression and the cause", err)
	}
}

func TestNesting(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want int
	}{
		{"x > 1", 0},
		{"(x)", 1},
		{"!x", 1},
		{"!!x", 2},
		{"not not x", 2},
		{"a != b", 0},
		{"x - -1", 1},
		{"-x - 1", 1},
		{`"((((" + x`, 0},
		{`all(r, {all(r, {true})})`, 4},
	} {
		if got := nesting(tc.src); got != tc.want {
			t.Errorf("nesting(%q) = %d, want %d", tc.src, got, tc.want)
		}
	}
}

func TestSaturatingArithmetic(t *testing.T) {
	for _, tc := range []struct {
		name      string
		got, want int64
	}{
		{"add overflows", add(math.MaxInt64-1, 5), math.MaxInt64},
		{"add", add(2, 3), 5},
		{"mul overflows", mul(1<<40, 1<<40), math.MaxInt64},
		{"mul", mul(1000, 1000), 1_000_000},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, tc.got, tc.want)
		}
	}
}

func TestExcerpt(t *testing.T) {
	if got := Excerpt(strings.Repeat("é", 1000)); len(got) > 80 || !strings.Contains(got, "(2000 bytes)") {
		t.Fatalf("Excerpt of 2000 bytes = %q", got)
	}
	if got := Excerpt("short"); got != `"short"` {
		t.Fatalf("Excerpt(short) = %q", got)
	}
}
