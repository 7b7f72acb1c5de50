package sandbox

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/ast"
)

// shape bounds a value: n is the most elements a list (or map) can hold,
// or the most bytes a string can hold (0 for numbers and booleans); elem
// bounds each element of a list.
type shape struct {
	n    int64
	elem *shape
}

var scalar = shape{}

// envString bounds a string read from an environment (a metric's name).
const envString = 64

func (s shape) element() shape {
	if s.elem == nil {
		return scalar
	}
	return *s.elem
}

func list(n int64, elem shape) shape { return shape{n: n, elem: &elem} }

func larger(a, b shape) shape {
	out := shape{n: max(a.n, b.n)}
	if a.elem != nil || b.elem != nil {
		e := larger(a.element(), b.element())
		out.elem = &e
	}
	return out
}

// add and mul saturate at math.MaxInt64 instead of overflowing.
func add(a, b int64) int64 {
	if s := a + b; s >= a && s >= b {
		return s
	}
	return math.MaxInt64
}

func mul(a, b int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(lo)
}

func costString(c int64) string {
	if c == math.MaxInt64 {
		return "more than 9e18"
	}
	return strconv.FormatInt(c, 10)
}

// scope is the names bound by let and by the enclosing predicates.
type scope struct {
	parent *scope
	name   string // a let name, or "#" for a predicate's element
	shape  shape
}

func (s *scope) lookup(name string) (shape, bool) {
	for ; s != nil; s = s.parent {
		if s.name == name {
			return s.shape, true
		}
	}
	return scalar, false
}

// analysis walks a parsed expression once: it refuses what the context
// does not allow and computes the cost bound.
type analysis struct {
	ctx *Context
	src string
	err *Error
}

func (a *analysis) fail(n ast.Node, format string, args ...any) {
	if a.err == nil {
		a.err = a.ctx.errorf(a.src, astLoc(n), format, args...)
	}
}

// predicates are expr-lang's builtins that take a predicate ({...}).
var predicates = map[string]bool{
	"all": true, "none": true, "any": true, "one": true, "filter": true, "map": true,
	"count": true, "sum": true, "find": true, "findIndex": true, "findLast": true,
	"findLastIndex": true, "groupBy": true, "sortBy": true, "reduce": true,
}

// walk returns the cost bound of evaluating n and the shape of its value.
func (a *analysis) walk(n ast.Node, sc *scope) (int64, shape) {
	if a.err != nil || n == nil {
		return 0, scalar
	}
	switch n := n.(type) {
	case *ast.NilNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return 1, scalar
	case *ast.StringNode:
		return 1, shape{n: int64(len(n.Value))}
	case *ast.BytesNode:
		return 1, shape{n: int64(len(n.Value))}
	case *ast.ConstantNode:
		return 1, scalar
	case *ast.IdentifierNode:
		return 1, a.identifier(n, sc)
	case *ast.PointerNode:
		if n.Name != "" && n.Name != "index" {
			a.fail(n, "#%s is not allowed (allowed: # and #index inside a predicate)", n.Name)
			return 1, scalar
		}
		if n.Name == "index" {
			return 1, scalar
		}
		s, ok := sc.lookup("#")
		if !ok {
			a.fail(n, "# outside a predicate")
		}
		return 1, s
	case *ast.UnaryNode:
		c, _ := a.walk(n.Node, sc)
		return add(c, 1), scalar
	case *ast.BinaryNode:
		return a.binary(n, sc)
	case *ast.ChainNode:
		return a.walk(n.Node, sc)
	case *ast.MemberNode:
		if n.Method {
			a.fail(n, "methods cannot be called in %s", a.ctx.Name)
			return 1, scalar
		}
		c1, s := a.walk(n.Node, sc)
		c2, _ := a.walk(n.Property, sc)
		if arr, ok := n.Node.(*ast.ArrayNode); ok {
			if i, ok := n.Property.(*ast.IntegerNode); ok && (i.Value >= len(arr.Nodes) || i.Value < -len(arr.Nodes)) {
				a.fail(n, "index %d is out of range of a list of %d", i.Value, len(arr.Nodes))
			}
		}
		out := s.element()
		if s.elem == nil {
			out = shape{n: envString} // a struct field of the environment
		}
		return add(add(c1, c2), 1), out
	case *ast.SliceNode:
		c, s := a.walk(n.Node, sc)
		c1, _ := a.walk(n.From, sc)
		c2, _ := a.walk(n.To, sc)
		return add(add(add(c, c1), add(c2, 1)), s.n), s
	case *ast.CallNode:
		return a.call(n, sc)
	case *ast.BuiltinNode:
		return a.builtin(n, sc)
	case *ast.PredicateNode:
		return a.walk(n.Node, sc)
	case *ast.ConditionalNode:
		c0, _ := a.walk(n.Cond, sc)
		c1, s1 := a.walk(n.Exp1, sc)
		c2, s2 := a.walk(n.Exp2, sc)
		return add(add(c0, 1), max(c1, c2)), larger(s1, s2)
	case *ast.VariableDeclaratorNode:
		c1, s := a.walk(n.Value, sc)
		c2, out := a.walk(n.Expr, &scope{parent: sc, name: n.Name, shape: s})
		return add(add(c1, c2), 1), out
	case *ast.SequenceNode:
		var c int64
		var s shape
		for _, x := range n.Nodes {
			var cx int64
			cx, s = a.walk(x, sc)
			c = add(c, cx)
		}
		return c, s
	case *ast.ArrayNode:
		c := int64(1)
		elem := scalar
		for _, x := range n.Nodes {
			cx, sx := a.walk(x, sc)
			c = add(c, add(cx, 1))
			elem = larger(elem, sx)
		}
		return c, a.sized(n, list(int64(len(n.Nodes)), elem))
	case *ast.MapNode:
		c := int64(1)
		elem := scalar
		for _, p := range n.Pairs {
			pair, ok := p.(*ast.PairNode)
			if !ok {
				continue
			}
			ck, _ := a.walk(pair.Key, sc)
			cv, sv := a.walk(pair.Value, sc)
			c = add(c, add(add(ck, cv), 1))
			elem = larger(elem, sv)
		}
		return c, a.sized(n, list(int64(len(n.Pairs)), elem))
	case *ast.PairNode:
		c1, _ := a.walk(n.Key, sc)
		c2, s := a.walk(n.Value, sc)
		return add(c1, c2), s
	}
	a.fail(n, "this construct is not allowed in %s", a.ctx.Name)
	return 1, scalar
}

// sized refuses a value longer than MaxSize.
func (a *analysis) sized(n ast.Node, s shape) shape {
	if s.n > MaxSize {
		a.fail(n, "builds a list or string of up to %s elements; the limit is %d", costString(s.n), MaxSize)
	}
	return s
}

func (a *analysis) identifier(n *ast.IdentifierNode, sc *scope) shape {
	if s, ok := sc.lookup(n.Value); ok {
		return s
	}
	if strings.HasPrefix(n.Value, "$") {
		a.fail(n, "%s is not allowed (allowed names: %s)", n.Value, strings.Join(a.ctx.Names(), ", "))
		return scalar
	}
	if l, ok := a.ctx.Lists[n.Value]; ok {
		return list(int64(l), scalar)
	}
	return scalar // unknown names are the type checker's to refuse
}

func (a *analysis) binary(n *ast.BinaryNode, sc *scope) (int64, shape) {
	if n.Operator == ".." {
		lo, ok1 := intLiteral(n.Left)
		hi, ok2 := intLiteral(n.Right)
		if !ok1 || !ok2 {
			a.fail(n, "a range's bounds must be integer literals (e.g. 1..10), so that its length is known")
			return 1, scalar
		}
		size := int64(0)
		if hi >= lo {
			size = add(hi-lo, 1)
		}
		return add(size, 1), a.sized(n, list(size, scalar))
	}
	c1, s1 := a.walk(n.Left, sc)
	c2, s2 := a.walk(n.Right, sc)
	c := add(add(c1, c2), 1)
	switch n.Operator {
	case "+":
		// Concatenation of strings (or lists) builds a longer one.
		out := shape{n: add(s1.n, s2.n)}
		if s1.elem != nil || s2.elem != nil {
			e := larger(s1.element(), s2.element())
			out.elem = &e
		}
		return add(c, out.n), a.sized(n, out)
	case "??":
		return c, larger(s1, s2)
	case "==", "!=", "in", "not in", "contains", "startsWith", "endsWith", "matches",
		"not contains", "not startsWith", "not endsWith", "not matches":
		return add(c, add(s1.n, s2.n)), scalar
	}
	return c, scalar
}

func intLiteral(n ast.Node) (int64, bool) {
	switch n := n.(type) {
	case *ast.IntegerNode:
		return int64(n.Value), true
	case *ast.UnaryNode:
		if v, ok := intLiteral(n.Node); ok && n.Operator == "-" {
			return -v, true
		}
	}
	return 0, false
}

func (a *analysis) call(n *ast.CallNode, sc *scope) (int64, shape) {
	if m, ok := n.Callee.(*ast.MemberNode); ok {
		a.walk(m.Node, sc) // what the method is called on may be refused first
		a.fail(n, "methods cannot be called in %s", a.ctx.Name)
		return 1, scalar
	}
	id, ok := n.Callee.(*ast.IdentifierNode)
	if !ok {
		a.fail(n, "only the functions of %s can be called (allowed: %s)", a.ctx.Name, a.allowedCalls())
		return 1, scalar
	}
	if !slices.Contains(a.ctx.Functions, id.Value) {
		a.fail(n, "function %s is not allowed in %s (allowed: %s)", id.Value, a.ctx.Name, a.allowedCalls())
		return 1, scalar
	}
	c := int64(1)
	for _, x := range n.Arguments {
		cx, sx := a.walk(x, sc)
		c = add(c, add(cx, sx.n))
	}
	return c, scalar
}

func (a *analysis) allowedCalls() string {
	all := append(slices.Clone(a.ctx.Functions), a.ctx.Builtins...)
	slices.Sort(all)
	all = slices.Compact(all)
	if len(all) == 0 {
		return "none: operators only"
	}
	return strings.Join(all, ", ")
}

func (a *analysis) builtin(n *ast.BuiltinNode, sc *scope) (int64, shape) {
	if !slices.Contains(a.ctx.Builtins, n.Name) {
		a.fail(n, "function %s is not allowed in %s (allowed: %s)", n.Name, a.ctx.Name, a.allowedCalls())
		return 1, scalar
	}
	if !predicates[n.Name] || len(n.Arguments) < 2 {
		c := int64(1)
		var out shape
		for _, x := range n.Arguments {
			cx, sx := a.walk(x, sc)
			c = add(c, add(cx, sx.n))
			out = larger(out, sx.element())
		}
		switch n.Name {
		case "max", "min", "first", "last":
			if len(n.Arguments) == 1 {
				return c, out // the largest element of a list
			}
		}
		return c, scalar
	}
	c0, coll := a.walk(n.Arguments[0], sc)
	inner := &scope{parent: sc, name: "#", shape: coll.element()}
	cp, sp := a.walk(n.Arguments[1], inner)
	for _, x := range n.Arguments[2:] {
		cx, _ := a.walk(x, sc)
		c0 = add(c0, cx)
	}
	c := add(add(c0, 1), mul(coll.n, add(cp, 1)))
	switch n.Name {
	case "map":
		return c, a.sized(n, list(coll.n, sp))
	case "filter", "sortBy":
		if n.Name == "sortBy" {
			c = add(c, mul(coll.n, int64(bits.Len64(uint64(coll.n)))))
		}
		return c, coll
	case "groupBy":
		return c, list(coll.n, coll)
	case "find", "findLast":
		return c, coll.element()
	}
	return c, scalar
}

// Describe lists a context's allowlist for docs and messages.
func (c *Context) Describe() string {
	return fmt.Sprintf("%s: names %s; functions %s", c.Name, strings.Join(envNames(c.Env), ", "), (&analysis{ctx: c}).allowedCalls())
}
