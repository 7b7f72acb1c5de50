package importer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/deploysim/deploysim/scenarios/internal/yamlnode"

	"github.com/deploysim/deploysim/strategies/plan"
)

// ctx collects the problems and warnings of one import.
type ctx struct {
	errs  []FieldError
	warns []Warning
	// dropped counts warnings and errors beyond maxReports (a hostile
	// source can repeat a construct a million times through aliases).
	droppedWarns, droppedErrs int
}

// maxReports bounds the warnings and the errors one import keeps.
const maxReports = 1000

// doc is one YAML document of a source file.
type doc struct {
	file string
	root *yaml.Node // the document's content node
}

func (c *ctx) err() error {
	slices.SortStableFunc(c.errs, func(a, b FieldError) int {
		if a.File != b.File {
			return strings.Compare(a.File, b.File)
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
	if c.droppedErrs > 0 {
		c.errs = append(c.errs, FieldError{Msg: fmt.Sprintf("and %d more problems", c.droppedErrs)})
		c.droppedErrs = 0
	}
	return &Error{Errs: c.errs}
}

func (c *ctx) errAt(file string, n *yaml.Node, field, format string, args ...any) {
	if len(c.errs) >= maxReports {
		c.droppedErrs++
		return
	}
	e := FieldError{File: file, Field: field, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	c.errs = append(c.errs, e)
}

func (c *ctx) warnAt(file string, n *yaml.Node, path, format string, args ...any) {
	if len(c.warns) >= maxReports {
		c.droppedWarns++
		return
	}
	w := Warning{File: file, Path: path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		w.Line, w.Col = n.Line, n.Column
	}
	c.warns = append(c.warns, w)
}

// parse splits src into its documents (JSON is YAML). Empty documents are
// skipped; a syntax error is a FieldError at its line.
func (c *ctx) parse(file string, src []byte) []doc {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var out []doc
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			e := FieldError{File: file, Msg: msg}
			var line int
			if _, serr := fmt.Sscanf(msg, "line %d:", &line); serr == nil {
				e.Line, e.Col = line, 1
				_, e.Msg, _ = strings.Cut(msg, ": ")
			}
			c.errs = append(c.errs, e)
			return out
		}
		if len(n.Content) == 0 || n.Content[0].Tag == "!!null" {
			continue
		}
		if err := yamlnode.CheckExpansion(&n, yamlnode.MaxNodes); err != nil {
			var ee *yamlnode.ExpansionError
			errors.As(err, &ee)
			c.errs = append(c.errs, FieldError{File: file, Line: ee.Line, Col: ee.Col, Msg: ee.Msg})
			return out
		}
		out = append(out, doc{file: file, root: n.Content[0]})
	}
}

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// obj is a mapping being read: get marks keys used, and rest warns about
// every key not used, so that no source field is silently dropped.
type obj struct {
	c    *ctx
	file string
	n    *yaml.Node
	path string
	used map[string]bool
}

// val is one value being read, with its position and source path.
type val struct {
	c    *ctx
	file string
	n    *yaml.Node
	path string
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (v val) ok() bool { return v.n != nil }

// obj reads v as a mapping; a null or missing value is an empty mapping.
func (v val) obj() *obj {
	o := &obj{c: v.c, file: v.file, path: v.path, used: map[string]bool{}}
	n := resolve(v.n)
	switch {
	case n == nil || n.Tag == "!!null":
	case n.Kind == yaml.MappingNode:
		o.n = n
	default:
		v.c.errAt(v.file, n, v.path, "got %s, want a mapping", kindName(n))
	}
	return o
}

// list reads v as a sequence.
func (v val) list() []val {
	n := resolve(v.n)
	if n == nil || n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		v.c.errAt(v.file, n, v.path, "got %s, want a list", kindName(n))
		return nil
	}
	out := make([]val, len(n.Content))
	for i, e := range n.Content {
		out[i] = val{c: v.c, file: v.file, n: e, path: fmt.Sprintf("%s[%d]", v.path, i)}
	}
	return out
}

// keys returns the mapping's keys in file order.
func (o *obj) keys() []string {
	if o.n == nil {
		return nil
	}
	var ks []string
	for i := 0; i+1 < len(o.n.Content); i += 2 {
		ks = append(ks, o.n.Content[i].Value)
	}
	return ks
}

// has reports whether key is present, without marking it used.
func (o *obj) has(key string) bool {
	if o.n == nil {
		return false
	}
	for i := 0; i+1 < len(o.n.Content); i += 2 {
		if o.n.Content[i].Value == key {
			return true
		}
	}
	return false
}

// get returns key's value and marks it used; the value is not ok when
// absent.
func (o *obj) get(key string) val {
	v := val{c: o.c, file: o.file, path: join(o.path, key)}
	if o.n == nil {
		return v
	}
	for i := 0; i+1 < len(o.n.Content); i += 2 {
		if o.n.Content[i].Value == key {
			o.used[key] = true
			v.n = o.n.Content[i+1]
			return v
		}
	}
	return v
}

// keyNode returns the node of key itself (for warnings placed on it).
func (o *obj) keyNode(key string) *yaml.Node {
	if o.n == nil {
		return nil
	}
	for i := 0; i+1 < len(o.n.Content); i += 2 {
		if o.n.Content[i].Value == key {
			return o.n.Content[i]
		}
	}
	return o.n
}

// warn marks key used and records a warning about it, if present.
func (o *obj) warn(key, format string, args ...any) {
	if !o.has(key) || o.used[key] {
		return
	}
	o.used[key] = true
	o.c.warnAt(o.file, o.keyNode(key), join(o.path, key), format, args...)
}

// consume marks every key used, without warnings: for a block dropped as
// a whole, whose drop is already warned about.
func (o *obj) consume() {
	for _, k := range o.keys() {
		o.used[k] = true
	}
}

// rest warns about every key not used yet with msg.
func (o *obj) rest(msg string) {
	for _, k := range o.keys() {
		if !o.used[k] {
			o.warn(k, "%s", msg)
		}
	}
}

func (v val) warn(format string, args ...any) { v.c.warnAt(v.file, v.n, v.path, format, args...) }

func (v val) errf(format string, args ...any) { v.c.errAt(v.file, v.n, v.path, format, args...) }

// planErr reports a validation error of the plan package at v, in the
// importer's "got …, allowed: …" form.
func (v val) planErr(err error) {
	if fe, ok := errors.AsType[*plan.FieldError](err); ok {
		v.errf("%s got %v, allowed: %s", fe.Field, fe.Value, fe.Allowed)
		return
	}
	v.errf("%v", err)
}

func kindName(n *yaml.Node) string { return yamlnode.Describe(n) }

// scalar returns the value's text; want describes the allowed values.
func (v val) scalar(want string) (string, bool) {
	n := resolve(v.n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		if n != nil {
			v.errf("got %s, want %s", kindName(n), want)
		}
		return "", false
	}
	return strings.TrimSpace(n.Value), true
}

func (v val) str() (string, bool) { return v.scalar("a string") }

// oneOf reads a string that must be one of allowed (case-sensitive, as the
// source tools are).
func (v val) oneOf(allowed ...string) (string, bool) {
	s, ok := v.scalar("one of " + strings.Join(allowed, ", "))
	if !ok {
		return "", false
	}
	if !slices.Contains(allowed, s) {
		v.errf("got %s, allowed: %s", yamlnode.Excerpt(s), strings.Join(allowed, ", "))
		return "", false
	}
	return s, true
}

// boolean accepts YAML booleans and the strings "true"/"false" (EB and
// JSON configs quote them).
func (v val) boolean() (bool, bool) {
	s, ok := v.scalar("true or false")
	if !ok {
		return false, false
	}
	switch strings.ToLower(s) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	v.errf("got %s, allowed: true, false", yamlnode.Excerpt(s))
	return false, false
}

// integer reads a whole number within [lo, hi]; numbers may be quoted.
func (v val) integer(lo, hi int) (int, bool) {
	want := fmt.Sprintf("a whole number from %d to %d", lo, hi)
	if hi == math.MaxInt {
		want = fmt.Sprintf("a whole number of %d or more", lo)
	}
	s, ok := v.scalar(want)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		v.errf("got %s, allowed: %s", yamlnode.Excerpt(s), want)
		return 0, false
	}
	return n, true
}

// number reads a finite number within [lo, hi]; numbers may be quoted.
func (v val) number(lo, hi float64) (float64, bool) {
	want := fmt.Sprintf("a number from %g to %g", lo, hi)
	s, ok := v.scalar(want)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f < lo || f > hi {
		v.errf("got %s, allowed: %s", yamlnode.Excerpt(s), want)
		return 0, false
	}
	return f, true
}

// seconds reads a whole number of seconds within [lo, hi].
func (v val) seconds(lo, hi int) (time.Duration, bool) {
	n, ok := v.integer(lo, hi)
	return time.Duration(n) * time.Second, ok
}

// minutes reads a whole number of minutes within [lo, hi].
func (v val) minutes(lo, hi int) (time.Duration, bool) {
	n, ok := v.integer(lo, hi)
	return time.Duration(n) * time.Minute, ok
}

// goDuration reads a Go duration ("30s", "5m", "1h30m"), as Flagger and
// Kubernetes metav1.Duration fields take them.
func (v val) goDuration() (time.Duration, bool) {
	s, ok := v.scalar("a duration like 30s or 5m")
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		v.errf("got %s, allowed: a duration like 30s, 5m or 1h30m", yamlnode.Excerpt(s))
		return 0, false
	}
	return d, true
}

// argoDuration reads an Argo Rollouts DurationString: a number with an
// optional unit s, m or h; a bare number is seconds.
//
//	duration = digits [ "s" | "m" | "h" ]
func (v val) argoDuration() (time.Duration, bool) {
	s, ok := v.scalar(`a duration: seconds, or a number with unit s, m or h ("30s", "5m", "1h")`)
	if !ok {
		return 0, false
	}
	unit := time.Second
	num := s
	switch {
	case strings.HasSuffix(s, "h"):
		unit, num = time.Hour, strings.TrimSuffix(s, "h")
	case strings.HasSuffix(s, "m"):
		unit, num = time.Minute, strings.TrimSuffix(s, "m")
	case strings.HasSuffix(s, "s"):
		num = strings.TrimSuffix(s, "s")
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n > 1<<31 {
		v.errf(`got %s, allowed: seconds, or a whole number with unit s, m or h ("30s", "5m", "1h")`, yamlnode.Excerpt(s))
		return 0, false
	}
	return time.Duration(n) * unit, true
}

// intOrPercent reads a Kubernetes int-or-string: 3 or "25%"; negative
// values are rejected.
func (v val) intOrPercent() (string, bool) {
	s, ok := v.scalar(`an integer (3) or a whole percentage ("25%")`)
	if !ok {
		return "", false
	}
	num := strings.TrimSuffix(s, "%")
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || strings.HasPrefix(num, "+") {
		v.errf(`got %s, allowed: a non-negative integer (3) or whole percentage ("25%%")`, yamlnode.Excerpt(s))
		return "", false
	}
	return s, true
}

// dur renders a duration compactly as the scenario grammar reads it: "5m",
// "90s", "1h", "250ms"; 0 is "0s".
func dur(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	return d.String()
}

// set stores v at a dotted path of nested maps, creating them.
func set(m map[string]any, path string, v any) {
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		sub, ok := m[k].(map[string]any)
		if !ok {
			sub = map[string]any{}
			m[k] = sub
		}
		m = sub
	}
	m[keys[len(keys)-1]] = v
}

// kindOf returns a Kubernetes document's kind ("" for others).
func kindOf(d doc) string {
	n := d.root
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "kind" {
			return n.Content[i+1].Value
		}
	}
	return ""
}

func (c *ctx) root(d doc) val { return val{c: c, file: d.file, n: d.root} }

// k8sDoc picks the one document of the given kinds, warning about the
// others (Services, HPAs, ... in the same file). With none, the error
// says which kinds were found.
func (c *ctx) k8sDoc(docs []doc, kinds ...string) (doc, bool) {
	var found []doc
	for _, d := range docs {
		if slices.Contains(kinds, kindOf(d)) {
			found = append(found, d)
		}
	}
	if len(found) == 0 {
		var seen []string
		for _, d := range docs {
			seen = append(seen, fmt.Sprintf("%q", kindOf(d)))
		}
		c.errAt(docs[0].file, docs[0].root, "kind", "no %s document (found kinds %s)", strings.Join(kinds, " or "), strings.Join(seen, ", "))
		return doc{}, false
	}
	if len(found) > 1 {
		c.errAt(found[1].file, found[1].root, "kind", "a second %s document: import one at a time", kindOf(found[1]))
		return doc{}, false
	}
	return found[0], true
}

// warnOtherDocs warns about documents import does not read.
func (c *ctx) warnOtherDocs(docs []doc, read func(doc) bool) {
	for _, d := range docs {
		if !read(d) {
			c.warnAt(d.file, d.root, "kind", "document of kind %q not read: not a deployment setting", kindOf(d))
		}
	}
}
