package scenarios

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/ast"

	"github.com/deploysim/deploysim/internal/sandbox"
	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/strategies"
)

// Expressions are expr-lang (https://expr-lang.org), compiled once at load
// in the sandbox of package internal/sandbox against a typed environment,
// so that a misspelt metric is a load error. Each context allows its own
// names and the pure functions abs, ceil, floor, round, min and max (no
// time, no I/O, no predicates); the sandbox's limits bound the source,
// its nesting and the cost of an evaluation (docs/expressions.md).
//
// Thresholds (expect:) see, for each strategy, the Monte Carlo summary of
// its replications:
//
//	expect   = boolean expression
//	stat     = ("mean" | "stddev" | "p50" | "p90" | "p95" | "p99" | "min" | "max"
//	            | "ci_low" | "ci_high") "(" metric ")"
//	metric   = one of models.MetricNames, e.g. downtime_s, availability
//	share    = "share(" outcome-string ")"     ; "succeeded", "rolled_back", "failed", "rollback_failed"
//	runs     = the number of replications
//
// e.g. p95(downtime_s) < 30 && share("rolled_back") == 0. A statistic over
// a metric that applied to no run (rollback_s when nothing rolled back) is
// NaN, and every comparison with NaN is false: guard such thresholds with
// share(...), as in share("rolled_back") == 0 || p95(rollback_s) < 60.
//
// Fault triggers (when:) see the world every observation period (the SLO
// window): the fields of WhenEnv.

// Metric names a metric in a threshold expression.
type Metric struct{ Name string }

// StatNames are the statistic functions of threshold expressions.
var StatNames = []string{"mean", "stddev", "p50", "p90", "p95", "p99", "min", "max", "ci_low", "ci_high"}

// ExpectExpressions is the sandbox context of thresholds: the metrics,
// the statistic functions, share and runs.
var ExpectExpressions = &sandbox.Context{
	Name: "expect", Env: expectEnv(nil, nil), Functions: append(slices.Clone(StatNames), "share"),
	// min and max are statistics here, not the builtins.
	Builtins: []string{"abs", "ceil", "floor", "round"}, Result: sandbox.Bool,
}

// WhenExpressions is the sandbox context of fault triggers: the fields of
// WhenEnv.
var WhenExpressions = &sandbox.Context{Name: "when", Env: WhenEnv{}, Builtins: sandbox.Numeric, Result: sandbox.Bool}

// call is one statistic an expectation evaluated, with its value.
type call struct {
	Text  string
	Value float64
}

// expectEnv builds the environment of a threshold: metrics as Metric
// values and the statistic functions over sum (nil at compile time).
func expectEnv(sum *Summary, calls *[]call) map[string]any {
	env := map[string]any{"runs": 0}
	if sum != nil {
		env["runs"] = sum.Runs
	}
	for _, n := range models.MetricNames {
		env[n] = Metric{n}
	}
	for _, s := range StatNames {
		env[s] = func(m Metric) float64 {
			var v float64 = math.NaN()
			if sum != nil {
				if ms, ok := sum.Metrics[m.Name]; ok {
					v = ms.stat(s)
				}
				*calls = append(*calls, call{s + "(" + m.Name + ")", v})
			}
			return v
		}
	}
	env["share"] = func(o string) float64 {
		v := math.NaN()
		if sum != nil {
			v = sum.Outcomes[o]
			*calls = append(*calls, call{"share(" + strconv.Quote(o) + ")", v})
		}
		return v
	}
	return env
}

// outcomeCheck rejects share() of an outcome that does not exist.
type outcomeCheck struct{ errs []string }

func (c *outcomeCheck) Visit(node *ast.Node) {
	n, ok := (*node).(*ast.CallNode)
	if !ok {
		return
	}
	id, ok := n.Callee.(*ast.IdentifierNode)
	if !ok || id.Value != "share" || len(n.Arguments) != 1 {
		return
	}
	s, ok := n.Arguments[0].(*ast.StringNode)
	if !ok {
		c.errs = append(c.errs, "share() takes an outcome in quotes, e.g. share(\"rolled_back\")")
		return
	}
	if !slices.Contains(outcomeNames(), s.Value) {
		c.errs = append(c.errs, fmt.Sprintf("share(%q): unknown outcome (allowed: %s)", s.Value, strings.Join(outcomeNames(), ", ")))
	}
}

func outcomeNames() []string {
	var s []string
	for _, o := range strategies.Outcomes {
		s = append(s, o.String())
	}
	return s
}

type expectation struct {
	Expect
	field string // expect[i], for errors
	prog  *sandbox.Program
}

func (sc *Scenario) compileExpects(d *decoder) {
	sc.expects = nil
	labels := map[string]bool{}
	for _, s := range sc.Strategies {
		labels[s.Label] = true
	}
	for i, e := range sc.File.Expect {
		path := fmt.Sprintf("expect[%d]", i)
		chk := &outcomeCheck{}
		prog, err := ExpectExpressions.Compile(e.Expr)
		if err == nil {
			node := prog.Node()
			ast.Walk(&node, chk)
		}
		if err != nil {
			msg := exprError(err)
			if se, ok := err.(*sandbox.Error); ok {
				if name, ok := strings.CutPrefix(se.Msg, "unknown name "); ok {
					name, _, _ = strings.Cut(name, " ")
					msg += suggest(name, append(slices.Clone(models.MetricNames), StatNames...))
				}
			}
			d.errField(path, "%s (metrics: %s; statistics: %s, share(outcome), runs)",
				msg, strings.Join(models.MetricNames, ", "), strings.Join(StatNames, ", "))
			continue
		}
		if len(chk.errs) > 0 {
			d.errField(path, "%s", strings.Join(chk.errs, "; "))
			continue
		}
		for k, l := range e.Strategies {
			if !labels[l] && d.strictLabels {
				d.errField(fmt.Sprintf("%s.strategies[%d]", path, k), "%s", unknown("strategy label", l, slices.Sorted(maps.Keys(labels))))
			}
		}
		sc.expects = append(sc.expects, expectation{Expect: e, field: path, prog: prog})
	}
}

// exprError is an expression's error on one line.
func exprError(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// Check is the verdict of one threshold for one strategy.
type Check struct {
	Expr string `json:"expr"`
	OK   bool   `json:"ok"`
	// Observed is the value of the first statistic the expression used
	// (null when NaN); Values all of them, by call.
	Observed *float64            `json:"observed"`
	Values   map[string]*float64 `json:"values"`
	Error    string              `json:"error,omitempty"`
}

func (e *expectation) appliesTo(label string) bool {
	return len(e.Strategies) == 0 || slices.Contains(e.Strategies, label)
}

// eval evaluates the threshold over sum. An evaluation error is returned
// besides the failed check: it is an error of the scenario.
func (e *expectation) eval(sum *Summary) (Check, error) {
	var calls []call
	c := Check{Expr: e.Expr, Values: map[string]*float64{}}
	out, err := e.prog.Run(expectEnv(sum, &calls))
	if err != nil {
		c.Error = exprError(err)
	} else {
		c.OK, _ = out.(bool)
	}
	for i, k := range calls {
		v := nullable(k.Value)
		if i == 0 {
			c.Observed = v
		}
		c.Values[k.Text] = v
	}
	return c, err
}

func nullable(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

// WhenEnv is what a fault's when: expression sees, measured over the last
// observation period (the SLO window) before the check.
type WhenEnv struct {
	// TimeS is the time since the deployment started, in seconds.
	TimeS float64 `expr:"time_s"`
	// NewVersionShare is the share of requests served by the new version.
	NewVersionShare float64 `expr:"new_version_share"`
	// ErrorRate is the share of requests that failed (any cause);
	// NewErrorRate and OldErrorRate restrict it to one version's requests.
	ErrorRate    float64 `expr:"error_rate"`
	NewErrorRate float64 `expr:"new_error_rate"`
	OldErrorRate float64 `expr:"old_error_rate"`
	// RequestsPerS is the request rate.
	RequestsPerS float64 `expr:"requests_per_s"`
	// LatencyP99Ms is the 99th percentile latency in milliseconds.
	LatencyP99Ms float64 `expr:"latency_p99_ms"`
}

// WhenNames lists the names of WhenEnv for docs and messages.
var WhenNames = []string{"time_s", "new_version_share", "error_rate", "new_error_rate", "old_error_rate", "requests_per_s", "latency_p99_ms"}

func compileWhen(src string) (*sandbox.Program, error) { return WhenExpressions.Compile(src) }
