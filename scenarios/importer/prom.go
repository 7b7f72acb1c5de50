package importer

import (
	"regexp"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
)

// promRule maps the PromQL queries matching re to a simulator metric.
// The table is documented in docs/importers.md; the first rule that
// matches wins. Queries are matched lower-cased with spaces removed.
type promRule struct {
	re      *regexp.Regexp
	metric  string
	latency bool // the query returns a duration: units matter
}

var (
	fiveXX = `(status|code)[a-z_]*(=~|=)["'](5\.\.|5\.\*|5xx|5\[0-9\]\{2\}|5\\\\d\{2\}|5\d\d)` +
		`|5xx|>=500|>499`
	notFiveXX = `(status|code)[a-z_]*!~["']5|(status|code)[a-z_]*=~["'](2\.\.|2\.\*|2xx|[23]\.\.|\[23\])|success`
	promRules = []promRule{
		{regexp.MustCompile(`histogram_quantile\(0?\.99[,)]`), "latency_p99", true},
		{regexp.MustCompile(`histogram_quantile\(0?\.90?[,)]`), "latency_p90", true},
		{regexp.MustCompile(`histogram_quantile\(0?\.50?[,)]`), "latency_p50", true},
		{regexp.MustCompile(`_sum.*\)/.*_count|_sum\[.*/.*_count`), "latency_mean", true},
		{regexp.MustCompile(`(` + fiveXX + `).*\)/|/.*(` + fiveXX + `)`), "error_rate", false},
		{regexp.MustCompile(`(` + notFiveXX + `).*\)/|/.*(` + notFiveXX + `)`), "success_rate", false},
		{regexp.MustCompile(`^[a-z_()]*(sum\()?(i?rate)\([a-z_:]*(requests?|_count|_total)[^/]*$`), "requests", false},
	}
	msUnit = regexp.MustCompile(`_(milliseconds|ms)(_bucket|_sum|_count|\b)`)
)

// promMetric maps a query to a simulator metric. scale converts the
// query's values to the simulator's units (1000 when a latency query
// returns seconds, Prometheus' base unit; the simulator's latencies are
// milliseconds).
func promMetric(query string) (metric string, scale float64, ok bool) {
	q := strings.ToLower(strings.Join(strings.Fields(query), ""))
	for _, r := range promRules {
		if !r.re.MatchString(q) {
			continue
		}
		scale = 1
		if r.latency && !msUnit.MatchString(q) {
			scale = 1000
		}
		return r.metric, scale, true
	}
	return "", 0, false
}

// scaleCondition multiplies the numeric literals compared with result in
// an Argo condition by factor: `result[0] < 0.5` over seconds becomes
// `result[0] < 500` over milliseconds. ok is false when the condition
// compares result with anything but a literal (then its units cannot be
// converted).
func scaleCondition(cond string, factor float64) (string, bool) {
	if cond == "" || factor == 1 {
		return cond, true
	}
	tree, err := parser.Parse(cond)
	if err != nil {
		return cond, false
	}
	v := &scaler{factor: factor, ok: true}
	ast.Walk(&tree.Node, v)
	if !v.ok || v.scaled == 0 {
		return cond, false
	}
	return tree.Node.String(), true
}

type scaler struct {
	factor float64
	scaled int
	ok     bool
}

func (s *scaler) Visit(n *ast.Node) {
	b, isBin := (*n).(*ast.BinaryNode)
	if !isBin {
		return
	}
	switch b.Operator {
	case "<", "<=", ">", ">=", "==", "!=":
	default:
		return
	}
	// len(result) counts values: no unit.
	if isLen(b.Left) || isLen(b.Right) {
		return
	}
	l, r := usesResult(b.Left), usesResult(b.Right)
	switch {
	case l && !r:
		s.scale(&b.Right)
	case r && !l:
		s.scale(&b.Left)
	}
}

func (s *scaler) scale(n *ast.Node) {
	var v float64
	sign := 1.0
	node := *n
	if u, ok := node.(*ast.UnaryNode); ok && u.Operator == "-" {
		sign, node = -1, u.Node
	}
	switch x := node.(type) {
	case *ast.IntegerNode:
		v = float64(x.Value)
	case *ast.FloatNode:
		v = x.Value
	default:
		s.ok = false
		return
	}
	ast.Patch(n, &ast.FloatNode{Value: sign * v * s.factor})
	s.scaled++
}

func usesResult(n ast.Node) bool {
	return ast.Find(n, func(x ast.Node) bool {
		id, ok := x.(*ast.IdentifierNode)
		return ok && id.Value == "result"
	}) != nil
}

func isLen(n ast.Node) bool {
	b, ok := n.(*ast.BuiltinNode)
	return ok && b.Name == "len"
}
