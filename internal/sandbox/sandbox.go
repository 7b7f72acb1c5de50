// Package sandbox compiles and runs the expressions a scenario carries —
// thresholds (expect:), fault triggers (when:), alarm expressions, Argo
// Rollouts analysis conditions, whether written in a scenario or imported
// — in one sandbox with the same rules everywhere:
//
//   - Each context has an allowlist: the names of its environment, the
//     functions of its environment it may call, and the expr-lang builtins
//     it may use. Everything else is refused at compile time, the
//     predicate builtins (all, any, map, ...) included unless listed. No
//     context has a clock (now, date, duration), the environment ($env),
//     methods, or I/O.
//   - Before parsing, the source must be at most MaxSource bytes and nest
//     brackets and prefix operators at most MaxNesting deep, so that no
//     input can exhaust the parser's stack; the parsed tree has at most
//     MaxNodes nodes.
//   - A cost bound, computed from the tree, rejects at compile time any
//     expression that could take more than MaxCost steps or build a list
//     or string longer than MaxSize: the bounds of a range must be
//     literals, and a predicate over a list costs the list's length times
//     the predicate's cost, so nested loops are priced before they run.
//   - Running a compiled program never panics: an evaluation error (an
//     index out of range, say) is returned as an *Error naming the
//     expression, for the caller to report with its line.
//
// The cost model (see cost.go) counts one step per node evaluated, plus
// the length of every list or string an operation walks or builds; it is
// an upper bound, not an estimate, and saturates instead of overflowing.
package sandbox

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// The limits every context shares (docs/expressions.md).
const (
	// MaxSource is the longest expression source, in bytes.
	MaxSource = 2048
	// MaxNesting bounds brackets ( [ { and runs of prefix operators
	// (!, not, -, +) inside one another.
	MaxNesting = 32
	// MaxNodes bounds the parsed tree.
	MaxNodes = 500
	// MaxCost bounds the steps one evaluation may take.
	MaxCost = 100_000
	// MaxSize bounds the length of any list or string an evaluation
	// may walk or build.
	MaxSize = 10_000
	// memoryBudget is expr-lang's own allocation budget per run, a
	// second line behind MaxSize.
	memoryBudget = 100_000
)

// Numeric are the builtins every context allows: pure arithmetic.
var Numeric = []string{"abs", "ceil", "floor", "round", "min", "max"}

// Result is what a context's expressions must evaluate to.
type Result int

const (
	// Bool: a boolean (thresholds, triggers, conditions).
	Bool Result = iota
	// NumberOrBool: a number, or a boolean read as 1 or 0 (alarms).
	NumberOrBool
)

// Context is one place expressions are written, with its allowlist.
type Context struct {
	// Name names the context in messages: "expect", "when", "alarm
	// expression", "analysis condition".
	Name string
	// Env is a value of the environment's type: a struct with expr tags
	// or a map. Only its names can be used.
	Env any
	// Functions are the environment's functions the expression may call.
	Functions []string
	// Builtins are the expr-lang builtins it may call.
	Builtins []string
	// Lists bounds the length of each environment variable that is a
	// list (Argo's result vector); the cost model needs it.
	Lists map[string]int
	// Result is the type the expression must have.
	Result Result
}

// Names lists what an expression of c can name besides literals and
// operators: the environment's variables and functions and the allowed
// builtins, sorted, for messages and docs.
func (c *Context) Names() []string {
	var out []string
	out = append(out, envNames(c.Env)...)
	out = append(out, c.Builtins...)
	slices.Sort(out)
	return slices.Compact(out)
}

func envNames(env any) []string {
	v := reflect.ValueOf(env)
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	var out []string
	switch v.Kind() {
	case reflect.Map:
		for _, k := range v.MapKeys() {
			out = append(out, k.String())
		}
	case reflect.Struct:
		out = structNames(v.Type())
	}
	slices.Sort(out)
	return out
}

func structNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			out = append(out, structNames(f.Type)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag, ok := f.Tag.Lookup("expr"); ok {
			name, _, _ = strings.Cut(tag, ",")
		}
		if name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// Program is an expression compiled in a context. It is safe for
// concurrent use.
type Program struct {
	ctx  *Context
	src  string
	prog *vm.Program
	// Cost is the bound on the steps of one evaluation.
	Cost int64
	// IsBool reports whether the expression is a boolean (always for
	// Result Bool).
	IsBool bool
}

// Source returns the expression as written.
func (p *Program) Source() string { return p.src }

// Error is an expression that cannot be compiled or failed to evaluate.
// Expr is an excerpt of the source (never more than a short excerpt, so
// that a huge input is not echoed back); Line and Col are the position in
// the expression (0 when none applies).
type Error struct {
	Context   string
	Expr      string
	Line, Col int
	Msg       string
	// Runtime: the expression compiled but failed when evaluated.
	Runtime bool
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Runtime {
		b.WriteString("evaluating ")
	}
	fmt.Fprintf(&b, "%s: %s", e.Expr, e.Msg)
	if e.Line > 0 {
		fmt.Fprintf(&b, " (at %d:%d of the expression)", e.Line, e.Col)
	}
	return b.String()
}

// Excerpt quotes s, cut to its first 40 characters when longer (with its
// length), so that messages never echo a large input.
func Excerpt(s string) string {
	const keep = 40
	if len(s) <= keep+8 {
		return fmt.Sprintf("%q", s)
	}
	cut := keep
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%q… (%d bytes)", s[:cut], len(s))
}

// noPos marks an error about the expression as a whole.
var noPos = file.Location{From: -1}

func (c *Context) errorf(src string, loc file.Location, format string, args ...any) *Error {
	e := &Error{Context: c.Name, Expr: Excerpt(src), Msg: fmt.Sprintf(format, args...)}
	if loc.From >= 0 {
		e.Line, e.Col = position(src, loc.From)
	}
	return e
}

// position turns a rune offset into a line and column, both from 1.
func position(src string, offset int) (line, col int) {
	line, col = 1, 1
	i := 0
	for _, r := range src {
		if i == offset {
			break
		}
		i++
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// Compile checks src against c's limits and allowlist and compiles it.
// Every refusal is an *Error.
func (c *Context) Compile(src string) (*Program, error) {
	if err := c.CheckSource(src); err != nil {
		return nil, err
	}
	opts := c.options()
	cfg := conf.CreateNew()
	for _, o := range opts {
		o(cfg)
	}
	for name := range cfg.Disabled {
		delete(cfg.Builtins, name)
	}
	tree, err := parser.ParseWithConfig(src, cfg)
	if err != nil {
		return nil, c.exprError(src, err)
	}
	an := &analysis{ctx: c, src: src}
	cost, _ := an.walk(tree.Node, nil)
	if an.err != nil {
		return nil, an.err
	}
	if cost > MaxCost {
		return nil, c.errorf(src, noPos, "may take up to %s steps to evaluate; the limit is %d (a predicate over a list costs the list's length times its own cost)", costString(cost), MaxCost)
	}
	prog, err := expr.Compile(src, opts...)
	if err != nil {
		return nil, c.exprError(src, err)
	}
	p := &Program{ctx: c, src: src, prog: prog, Cost: cost}
	switch t := prog.Node().Type(); {
	case c.Result == Bool:
		p.IsBool = true // expr.AsBool checked it
	case t == nil:
		return nil, c.errorf(src, noPos, "its type is unknown; want a number or a boolean")
	case t.Kind() == reflect.Bool:
		p.IsBool = true
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Float64, t.Kind() == reflect.Interface:
		// numbers; an interface is checked when it runs
	default:
		return nil, c.errorf(src, noPos, "is a %v; want a number or a boolean", t)
	}
	return p, nil
}

// CheckSource applies the limits checked before parsing: the length and
// the nesting. Callers that parse an expression for their own purposes (an
// importer rewriting units) call it first.
func (c *Context) CheckSource(src string) error {
	if len(src) > MaxSource {
		return c.errorf(src, noPos, "%d bytes long; the limit is %d", len(src), MaxSource)
	}
	if strings.TrimSpace(src) == "" {
		return c.errorf(src, noPos, "empty; want an expression")
	}
	if d := nesting(src); d > MaxNesting {
		return c.errorf(src, noPos, "nests %d deep (brackets and prefix operators); the limit is %d", d, MaxNesting)
	}
	return nil
}

func (c *Context) options() []expr.Option {
	o := []expr.Option{expr.Env(c.Env), expr.DisableAllBuiltins(), expr.MaxNodes(MaxNodes)}
	for _, b := range c.Builtins {
		o = append(o, expr.EnableBuiltin(b))
	}
	if c.Result == Bool {
		o = append(o, expr.AsBool())
	}
	return o
}

// exprError turns expr-lang's error (a message, a position, and a drawing
// of the source with a caret) into an *Error without the drawing.
func (c *Context) exprError(src string, err error) *Error {
	if fe, ok := err.(*file.Error); ok {
		return c.errorf(src, fe.Location, "%s", cut(fe.Message))
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return c.errorf(src, noPos, "%s", cut(msg))
}

// cut bounds a message from expr-lang, which may quote the source.
func cut(s string) string {
	if len(s) <= 200 {
		return s
	}
	n := 200
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// Run evaluates p over env (a value of the context's environment type).
// An evaluation error is an *Error with Runtime set; the result has the
// context's Result type (a float64 or a bool for NumberOrBool).
func (p *Program) Run(env any) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, p.runError(fmt.Errorf("%v", r))
		}
	}()
	m := vm.VM{MemoryBudget: memoryBudget}
	out, err = m.Run(p.prog, env)
	if err != nil {
		return nil, p.runError(err)
	}
	switch v := out.(type) {
	case bool:
		return v, nil
	case float64:
		if p.ctx.Result == NumberOrBool {
			return v, nil
		}
	case int:
		if p.ctx.Result == NumberOrBool {
			return float64(v), nil
		}
	}
	return nil, p.runError(fmt.Errorf("gave %T, want %s", out, map[Result]string{Bool: "a boolean", NumberOrBool: "a number or a boolean"}[p.ctx.Result]))
}

func (p *Program) runError(err error) *Error {
	e := p.ctx.exprError(p.src, err)
	e.Runtime = true
	return e
}

// nesting is the deepest nesting of brackets and prefix operators in src,
// outside string literals: a lexical bound on the parser's recursion.
func nesting(src string) int {
	depth, deepest, prefix := 0, 0, 0
	var quote byte
	prev := byte('(') // the start acts like an opening bracket
	for i := 0; i < len(src); i++ {
		ch := src[i]
		if quote != 0 {
			switch {
			case ch == '\\' && quote != '`':
				i++
			case ch == quote:
				quote = 0
				prev = 'a'
			}
			continue
		}
		switch {
		case ch == '"' || ch == '\'' || ch == '`':
			quote = ch
			prefix = 0
			continue
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
			continue
		case ch == '(' || ch == '[' || ch == '{':
			depth++
			prefix = 0
		case ch == ')' || ch == ']' || ch == '}':
			depth--
			prefix = 0
		case (ch == '!' && (i+1 >= len(src) || src[i+1] != '=')) ||
			((ch == '-' || ch == '+') && isOperand(prev) == false):
			prefix++
		case ch == 'n' && strings.HasPrefix(src[i:], "not") && !isIdent(prev) &&
			(i+3 >= len(src) || !isIdent(src[i+3])):
			prefix++
			i += 2
			prev = ' '
			deepest = max(deepest, depth+prefix)
			continue
		default:
			prefix = 0
		}
		deepest = max(deepest, depth+prefix)
		prev = ch
	}
	return deepest
}

// isOperand reports whether a character ends an operand, so that a
// following - or + is binary.
func isOperand(ch byte) bool {
	return isIdent(ch) || ch == ')' || ch == ']' || ch == '}' || ch == '"' || ch == '\'' || ch == '`'
}

func isIdent(ch byte) bool {
	return ch == '_' || ch == '$' || ch == '#' || ch == '.' || ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= 0x80
}

// astLoc is a node's position.
func astLoc(n ast.Node) file.Location { return n.Location() }

// Node returns the compiled expression's tree, for checks of a context's
// own (the outcome names of share() in thresholds).
func (p *Program) Node() ast.Node { return p.prog.Node() }
