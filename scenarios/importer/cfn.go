package importer

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/deploysim/deploysim/scenarios/internal/yamlnode"
)

// A CloudFormation template is read in two passes. The first resolves the
// template language — parameters (defaults or given values), conditions,
// mappings and the intrinsic functions in both spellings (JSON's
// {"Fn::Join": …} and YAML's short tags !Join) — into a plain tree whose
// nodes keep the line and column they came from. The second (cfnmap.go)
// maps the resources of that tree onto a scenario.
//
// Functions and their forms:
//
//	Ref NAME                      a parameter's value, a pseudo parameter, or a resource
//	Fn::GetAtt [RES, ATTR] | "RES.ATTR"
//	Fn::Sub STRING | [STRING, {VAR: VALUE}]   ${NAME}, ${RES.ATTR}, ${!literal}
//	Fn::Join [DELIM, [VALUES]]    Fn::Split [DELIM, STRING]   Fn::Select [INDEX, LIST]
//	Fn::FindInMap [MAP, KEY, KEY] Fn::GetAZs REGION          Fn::Base64 STRING
//	Fn::If [COND, THEN, ELSE]     Fn::Equals [A, B]           Fn::Not [COND]
//	Fn::And [COND...]             Fn::Or [COND...]            Condition NAME
//	Fn::ImportValue, Fn::Cidr, Fn::Length, Fn::ToJsonString, Fn::Transform: not
//	resolvable here; their value is opaque and a warning says so.
//
// A resource that Ref or Fn::GetAtt names resolves to a scalar whose text
// is the resource's name (its logical ID, or for an alarm its AlarmName);
// the tree remembers which resource it stands for.

// pseudo parameters' values in the simulation.
var pseudo = map[string]string{
	"AWS::AccountId": "123456789012", "AWS::Partition": "aws", "AWS::Region": "us-east-1",
	"AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/stack/0", "AWS::StackName": "stack",
	"AWS::URLSuffix": "amazonaws.com",
}

// maxCFNDepth bounds the nesting of intrinsic functions.
const maxCFNDepth = 64

// cfnTemplate is a template being resolved.
type cfnTemplate struct {
	c    *ctx
	file string
	root *obj
	// params are the parameters' values: scalars, or sequences for list
	// types.
	params map[string]*yaml.Node
	// conds are the Conditions, their values once evaluated, and the ones
	// being evaluated (a cycle is an error).
	conds     map[string]*yaml.Node
	condVal   map[string]bool
	condBusy  map[string]bool
	mappings  *yaml.Node
	resources []*cfnResource
	byID      map[string]*cfnResource
	// refs marks the resolved nodes that stand for a resource.
	refs map[*yaml.Node]string
	// opaque marks resolved nodes whose value is unknown here.
	opaque map[*yaml.Node]bool
	// description is the template's Description.
	description string
}

// cfnResource is one resource of the template.
type cfnResource struct {
	id, typ string
	key     *yaml.Node // the logical ID's key node
	raw     *obj       // the resource's mapping, as written
	// rawAttrs are Properties, UpdatePolicy, CreationPolicy, Metadata,
	// DependsOn, … as written; resolved holds them resolved, on first use
	// (a resource the scenario does not map is never resolved).
	rawAttrs map[string]val
	resolved map[string]*yaml.Node
	created  bool
	used     bool // mapped onto the scenario (not reported as a whole)
}

func (r *cfnResource) path() string { return "Resources." + r.id }

// attr returns a resource attribute (Properties, UpdatePolicy, …)
// resolved; not ok when absent.
func (t *cfnTemplate) attr(r *cfnResource, name string) val {
	v := val{c: t.c, file: t.file, path: r.path() + "." + name}
	raw, ok := r.rawAttrs[name]
	if !ok {
		return v
	}
	n, done := r.resolved[name]
	if !done {
		n = t.eval(raw.n, raw.path, 0)
		r.resolved[name] = n
	}
	v.n = n
	return v
}

// props returns the resolved Properties as a mapping being read.
func (t *cfnTemplate) props(r *cfnResource) *obj { return t.attr(r, "Properties").obj() }

// parseTemplate resolves the template of d with the given parameter
// values.
func parseTemplate(c *ctx, d doc, given map[string]string) *cfnTemplate {
	t := &cfnTemplate{c: c, file: d.file, params: map[string]*yaml.Node{}, conds: map[string]*yaml.Node{},
		condVal: map[string]bool{}, condBusy: map[string]bool{}, byID: map[string]*cfnResource{},
		refs: map[*yaml.Node]string{}, opaque: map[*yaml.Node]bool{}}
	t.root = c.root(d).obj()
	t.root.get("AWSTemplateFormatVersion")
	if v := t.root.get("Transform"); v.ok() {
		v.warn("transforms (AWS::Serverless, macros) are not expanded: the template is read as written")
	}
	t.readParameters(given)
	if v := t.root.get("Mappings"); v.ok() {
		t.mappings = resolve(v.n)
	}
	cv := t.root.get("Conditions").obj()
	for _, k := range cv.keys() {
		t.conds[k] = cv.get(k).n
	}
	res := t.root.get("Resources")
	if !res.ok() {
		c.errAt(d.file, d.root, "Resources", "missing: a template needs a Resources section")
		return t
	}
	ro := res.obj()
	for _, id := range ro.keys() {
		v := ro.get(id)
		o := v.obj()
		typ, _ := o.get("Type").str()
		r := &cfnResource{id: id, typ: typ, key: ro.keyNode(id), raw: o, created: true,
			rawAttrs: map[string]val{}, resolved: map[string]*yaml.Node{}}
		if !o.has("Type") {
			v.errf("Type missing: every resource names its type (AWS::AutoScaling::AutoScalingGroup, …)")
		}
		t.resources = append(t.resources, r)
		t.byID[id] = r
	}
	for _, r := range t.resources {
		if cond := r.raw.get("Condition"); cond.ok() {
			name, _ := cond.str()
			r.created = t.condition(name, cond.n, 0)
			if !r.created {
				t.c.warnAt(t.file, r.key, r.path(), "not created: its Condition %s is false", name)
				r.raw.consume()
				continue
			}
		}
		for _, a := range []string{"Properties", "UpdatePolicy", "CreationPolicy", "Metadata", "DependsOn", "DeletionPolicy", "UpdateReplacePolicy"} {
			if v := r.raw.get(a); v.ok() {
				r.rawAttrs[a] = v
			}
		}
		r.raw.rest("unknown resource attribute: not simulated")
	}
	if v := t.root.get("Description"); v.ok() {
		t.description, _ = v.str()
	}
	for _, k := range []string{"Outputs", "Rules", "Metadata"} {
		t.root.warn(k, "not simulated: %s say nothing about how a deployment proceeds", k)
	}
	t.root.rest("unknown template section: not simulated")
	return t
}

// readParameters sets each parameter's value: the given one, else its
// Default; checked against its type, AllowedValues, AllowedPattern,
// MinValue/MaxValue and MinLength/MaxLength.
func (t *cfnTemplate) readParameters(given map[string]string) {
	po := t.root.get("Parameters").obj()
	for name := range given {
		if !po.has(name) {
			names := strings.Join(po.keys(), ", ")
			if names == "" {
				names = "none"
			}
			t.c.errAt(t.file, nil, "--param "+name, "the template has no parameter %s (parameters: %s)", yamlnode.Excerpt(name), names)
		}
	}
	for _, name := range po.keys() {
		pv := po.get(name)
		p := pv.obj()
		typ := "String"
		if v := p.get("Type"); v.ok() {
			typ, _ = v.str()
		}
		var raw string
		var at *yaml.Node
		if g, ok := given[name]; ok {
			raw, at = g, pv.n
		} else if d := p.get("Default"); d.ok() {
			n := resolve(d.n)
			if n.Kind == yaml.SequenceNode { // a list default written as a list
				var parts []string
				for _, e := range n.Content {
					parts = append(parts, e.Value)
				}
				raw = strings.Join(parts, ",")
			} else {
				raw, _ = d.scalar("a default value")
			}
			at = d.n
		} else {
			pv.errf("no Default: give a value with --param %s=VALUE (or params: in from_file)", name)
			p.consume()
			continue
		}
		t.checkParameter(p, name, typ, raw, at)
		for _, k := range []string{"Description", "NoEcho", "ConstraintDescription"} {
			p.get(k)
		}
		p.rest("unknown parameter property: not checked")
		node := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: raw, Line: at.Line, Column: at.Column}
		switch {
		case strings.HasPrefix(typ, "List<") || typ == "CommaDelimitedList":
			node = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: at.Line, Column: at.Column}
			if raw != "" {
				for _, e := range strings.Split(raw, ",") {
					node.Content = append(node.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: strings.TrimSpace(e), Line: at.Line, Column: at.Column})
				}
			}
		case strings.HasPrefix(typ, "AWS::SSM::Parameter::Value<"):
			t.opaque[node] = true
			pv.warn("a Systems Manager parameter: its value is read at deploy time; %s stands for it here", yamlnode.Excerpt(raw))
		}
		t.params[name] = node
	}
}

func (t *cfnTemplate) checkParameter(p *obj, name, typ, raw string, at *yaml.Node) {
	bad := func(format string, args ...any) {
		t.c.errAt(t.file, at, "Parameters."+name, "value %s: %s", yamlnode.Excerpt(raw), fmt.Sprintf(format, args...))
	}
	if typ == "Number" {
		f, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
		if err != nil {
			bad("not a number (Type Number)")
			return
		}
		if v := p.get("MinValue"); v.ok() {
			if lo, ok := v.number(-1e18, 1e18); ok && f < lo {
				bad("below MinValue %g", lo)
			}
		}
		if v := p.get("MaxValue"); v.ok() {
			if hi, ok := v.number(-1e18, 1e18); ok && f > hi {
				bad("above MaxValue %g", hi)
			}
		}
	}
	if v := p.get("AllowedValues"); v.ok() {
		var allowed []string
		for _, e := range v.list() {
			s, _ := e.str()
			allowed = append(allowed, s)
		}
		if !slices.Contains(allowed, raw) {
			bad("not one of AllowedValues (%s)", strings.Join(allowed, ", "))
		}
	}
	if v := p.get("AllowedPattern"); v.ok() {
		pat, _ := v.str()
		re, err := regexp.Compile("^(?:" + pat + ")$")
		switch {
		case err != nil:
			v.errf("AllowedPattern %s: not a regular expression", yamlnode.Excerpt(pat))
		case !re.MatchString(raw):
			bad("does not match AllowedPattern %s", yamlnode.Excerpt(pat))
		}
	}
	for _, lim := range []struct {
		key string
		too func(n int) bool
	}{{"MinLength", func(n int) bool { return len(raw) < n }}, {"MaxLength", func(n int) bool { return len(raw) > n }}} {
		if v := p.get(lim.key); v.ok() {
			if n, ok := v.integer(0, 1<<20); ok && lim.too(n) {
				bad("length %d outside %s %d", len(raw), lim.key, n)
			}
		}
	}
}

// fnName returns the intrinsic function a node calls ("Ref",
// "Fn::Join", "Condition") and its argument, or "".
func fnName(n *yaml.Node) (string, *yaml.Node) {
	if n == nil {
		return "", nil
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		name := strings.TrimPrefix(n.Tag, "!")
		arg := *n
		arg.Tag = ""
		switch arg.Kind {
		case yaml.ScalarNode:
			arg.Tag = "!!str"
		case yaml.SequenceNode:
			arg.Tag = "!!seq"
		case yaml.MappingNode:
			arg.Tag = "!!map"
		}
		if name == "Ref" || name == "Condition" {
			return name, &arg
		}
		return "Fn::" + name, &arg
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 {
		k := n.Content[0].Value
		if k == "Ref" || strings.HasPrefix(k, "Fn::") {
			return k, n.Content[1]
		}
	}
	return "", nil
}

// eval resolves n: every intrinsic function applied, AWS::NoValue
// removed (nil). Problems are reported on the context.
func (t *cfnTemplate) eval(n *yaml.Node, path string, depth int) *yaml.Node {
	n = resolve(n)
	if n == nil {
		return nil
	}
	if depth > maxCFNDepth {
		t.c.errAt(t.file, n, path, "intrinsic functions nested deeper than %d", maxCFNDepth)
		return nil
	}
	if fn, arg := fnName(n); fn != "" {
		out := t.call(fn, arg, n, path, depth+1)
		if out != nil && (out.Line != n.Line || out.Column != n.Column) {
			// The value is reported where the function was called.
			c := *out
			c.Line, c.Column = n.Line, n.Column
			if id, ok := t.refs[out]; ok {
				t.refs[&c] = id
			}
			if t.opaque[out] {
				t.opaque[&c] = true
			}
			out = &c
		}
		return out
	}
	switch n.Kind {
	case yaml.MappingNode:
		out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			v := t.eval(n.Content[i+1], join(path, k.Value), depth+1)
			if v != nil {
				out.Content = append(out.Content, k, v)
			}
		}
		return out
	case yaml.SequenceNode:
		out := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: n.Line, Column: n.Column}
		for i, e := range n.Content {
			if v := t.eval(e, fmt.Sprintf("%s[%d]", path, i), depth+1); v != nil {
				out.Content = append(out.Content, v)
			}
		}
		return out
	}
	return n
}

// scalarAt makes a resolved scalar at the position of n.
func scalarAt(n *yaml.Node, s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Line: n.Line, Column: n.Column}
}

// args resolves a function's list argument of want elements (-1: any).
func (t *cfnTemplate) args(fn string, arg, at *yaml.Node, path string, depth, want int) []*yaml.Node {
	a := resolve(arg)
	if a == nil || a.Kind != yaml.SequenceNode || (want >= 0 && len(a.Content) != want) {
		form := "a list"
		if want >= 0 {
			form = fmt.Sprintf("a list of %d", want)
		}
		t.c.errAt(t.file, at, path, "%s takes %s, got %s", fn, form, kindName(a))
		return nil
	}
	return a.Content
}

// str resolves n to a string (a scalar), or reports it.
func (t *cfnTemplate) str(n *yaml.Node, fn, path string, depth int) (string, bool) {
	v := t.eval(n, path, depth)
	if v == nil || v.Kind != yaml.ScalarNode {
		t.c.errAt(t.file, n, path, "%s: got %s, want a string", fn, kindName(v))
		return "", false
	}
	return v.Value, true
}

func (t *cfnTemplate) call(fn string, arg, at *yaml.Node, path string, depth int) *yaml.Node {
	switch fn {
	case "Ref":
		name, ok := t.str(arg, fn, path, depth)
		if !ok {
			return nil
		}
		return t.ref(name, at, path)
	case "Fn::GetAtt":
		var res, att string
		a := resolve(arg)
		if a != nil && a.Kind == yaml.ScalarNode {
			res, att, _ = strings.Cut(a.Value, ".")
		} else if l := t.args(fn, arg, at, path, depth, 2); l != nil {
			res, _ = t.str(l[0], fn, path, depth)
			att, _ = t.str(l[1], fn, path, depth)
		}
		r, ok := t.byID[res]
		if !ok {
			t.c.errAt(t.file, at, path, "Fn::GetAtt: no resource %s", yamlnode.Excerpt(res))
			return nil
		}
		out := scalarAt(at, res+"."+att)
		t.refs[out] = r.id
		return out
	case "Fn::Sub":
		return t.sub(arg, at, path, depth)
	case "Fn::Join":
		l := t.args(fn, arg, at, path, depth, 2)
		if l == nil {
			return nil
		}
		delim, _ := t.str(l[0], fn, path, depth)
		list := t.eval(l[1], path, depth)
		if list == nil || list.Kind != yaml.SequenceNode {
			t.c.errAt(t.file, at, path, "Fn::Join: the second element must be a list, got %s", kindName(list))
			return nil
		}
		var parts []string
		for _, e := range list.Content {
			if e.Kind != yaml.ScalarNode {
				t.c.errAt(t.file, e, path, "Fn::Join: got %s in the list, want strings", kindName(e))
				return nil
			}
			parts = append(parts, e.Value)
		}
		return scalarAt(at, strings.Join(parts, delim))
	case "Fn::Split":
		l := t.args(fn, arg, at, path, depth, 2)
		if l == nil {
			return nil
		}
		delim, ok1 := t.str(l[0], fn, path, depth)
		s, ok2 := t.str(l[1], fn, path, depth)
		if !ok1 || !ok2 || delim == "" {
			if ok1 && delim == "" {
				t.c.errAt(t.file, at, path, "Fn::Split: the delimiter is empty")
			}
			return nil
		}
		out := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: at.Line, Column: at.Column}
		for _, p := range strings.Split(s, delim) {
			out.Content = append(out.Content, scalarAt(at, p))
		}
		return out
	case "Fn::Select":
		l := t.args(fn, arg, at, path, depth, 2)
		if l == nil {
			return nil
		}
		is, ok := t.str(l[0], fn, path, depth)
		list := t.eval(l[1], path, depth)
		i, err := strconv.Atoi(is)
		if !ok || list == nil || list.Kind != yaml.SequenceNode || err != nil || i < 0 || i >= len(list.Content) {
			t.c.errAt(t.file, at, path, "Fn::Select: index %s out of a list of %d", yamlnode.Excerpt(is), listLen(list))
			return nil
		}
		return list.Content[i]
	case "Fn::GetAZs":
		region, _ := t.str(arg, fn, path, depth)
		if region == "" {
			region = pseudo["AWS::Region"]
		}
		t.c.warnAt(t.file, at, path, "Fn::GetAZs: the region's zones are not known here; three are assumed (%sa, %sb, %sc)", region, region, region)
		out := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: at.Line, Column: at.Column}
		for _, z := range []string{"a", "b", "c"} {
			out.Content = append(out.Content, scalarAt(at, region+z))
		}
		return out
	case "Fn::Base64":
		s, ok := t.str(arg, fn, path, depth)
		if !ok {
			return nil
		}
		return scalarAt(at, s) // kept readable: user data is read for cfn-signal
	case "Fn::FindInMap":
		l := t.args(fn, arg, at, path, depth, -1)
		if l == nil || len(l) < 3 {
			if l != nil {
				t.c.errAt(t.file, at, path, "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]")
			}
			return nil
		}
		n := t.mappings
		for k := 0; k < 3; k++ {
			key, ok := t.str(l[k], fn, path, depth)
			if !ok {
				return nil
			}
			next := mapGet(n, key)
			if next == nil {
				t.c.errAt(t.file, at, path, "Fn::FindInMap: no key %s", yamlnode.Excerpt(key))
				return nil
			}
			n = next
		}
		return t.eval(n, path, depth)
	case "Fn::If":
		l := t.args(fn, arg, at, path, depth, 3)
		if l == nil {
			return nil
		}
		name, ok := t.str(l[0], fn, path, depth)
		if !ok {
			return nil
		}
		if t.condition(name, l[0], depth) {
			return t.eval(l[1], path, depth)
		}
		return t.eval(l[2], path, depth)
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition":
		return scalarAt(at, strconv.FormatBool(t.condExpr(fn, arg, at, path, depth)))
	case "Fn::ImportValue", "Fn::Cidr", "Fn::Length", "Fn::ToJsonString", "Fn::Transform", "Fn::GetParam":
		t.c.warnAt(t.file, at, path, "%s is not resolved here (its value comes from other stacks or the deploy): treated as unknown", fn)
		out := scalarAt(at, "{"+fn+"}")
		t.opaque[out] = true
		return out
	}
	t.c.errAt(t.file, at, path, "unknown intrinsic function %s (allowed: Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Split, Fn::Select, Fn::FindInMap, Fn::GetAZs, Fn::Base64, Fn::If, Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition, Fn::ImportValue, Fn::Cidr)", yamlnode.Excerpt(fn))
	return nil
}

func listLen(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	return len(n.Content)
}

func mapGet(n *yaml.Node, key string) *yaml.Node {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// ref resolves Ref name: a parameter, a pseudo parameter, AWS::NoValue
// (nil) or a resource.
func (t *cfnTemplate) ref(name string, at *yaml.Node, path string) *yaml.Node {
	if p, ok := t.params[name]; ok {
		return p
	}
	if v, ok := pseudo[name]; ok {
		return scalarAt(at, v)
	}
	switch name {
	case "AWS::NoValue":
		return nil
	case "AWS::NotificationARNs":
		return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: at.Line, Column: at.Column}
	}
	r, ok := t.byID[name]
	if !ok {
		t.c.errAt(t.file, at, path, "Ref %s: no parameter or resource of that name", yamlnode.Excerpt(name))
		return nil
	}
	out := scalarAt(at, t.physicalName(r))
	t.refs[out] = r.id
	return out
}

// physicalName is what Ref returns for a resource, as far as the
// simulation needs it: an alarm's AlarmName written as plain text, else
// the logical ID.
func (t *cfnTemplate) physicalName(r *cfnResource) string {
	if r.typ == "AWS::CloudWatch::Alarm" {
		a := resolve(mapGet(mapGet(r.raw.n, "Properties"), "AlarmName"))
		if fn, _ := fnName(a); fn == "" && a != nil && a.Kind == yaml.ScalarNode {
			return a.Value
		}
	}
	return r.id
}

// subVar matches ${NAME}, ${RES.ATTR} and ${!literal}.
var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

func (t *cfnTemplate) sub(arg, at *yaml.Node, path string, depth int) *yaml.Node {
	a := resolve(arg)
	var tmpl string
	vars := map[string]string{}
	switch {
	case a != nil && a.Kind == yaml.ScalarNode:
		tmpl = a.Value
	case a != nil && a.Kind == yaml.SequenceNode && len(a.Content) == 2:
		tmpl, _ = t.str(a.Content[0], "Fn::Sub", path, depth)
		m := resolve(a.Content[1])
		if m == nil || m.Kind != yaml.MappingNode {
			t.c.errAt(t.file, at, path, "Fn::Sub: the second element must map variable names to values")
			return nil
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			v, _ := t.str(m.Content[i+1], "Fn::Sub", path, depth)
			vars[m.Content[i].Value] = v
		}
	default:
		t.c.errAt(t.file, at, path, "Fn::Sub takes a string or [string, {variables}], got %s", kindName(a))
		return nil
	}
	var refTo string
	out := subVar.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") {
			return "${" + name[1:] + "}"
		}
		if v, ok := vars[name]; ok {
			return v
		}
		if p, ok := t.params[name]; ok {
			if p.Kind == yaml.SequenceNode {
				t.c.errAt(t.file, at, path, "Fn::Sub: ${%s} is a list parameter (use Fn::Join)", name)
				return m
			}
			return p.Value
		}
		if v, ok := pseudo[name]; ok {
			return v
		}
		res, _, _ := strings.Cut(name, ".")
		if r, ok := t.byID[res]; ok {
			refTo = r.id
			if res == name {
				return t.physicalName(r)
			}
			return name
		}
		t.c.errAt(t.file, at, path, "Fn::Sub: %s names no parameter, resource or variable", yamlnode.Excerpt("${"+name+"}"))
		return m
	})
	n := scalarAt(at, out)
	if refTo != "" {
		t.refs[n] = refTo
	}
	return n
}

// condition evaluates the condition called name (once; a cycle is an
// error).
func (t *cfnTemplate) condition(name string, at *yaml.Node, depth int) bool {
	if v, ok := t.condVal[name]; ok {
		return v
	}
	expr, ok := t.conds[name]
	if !ok {
		t.c.errAt(t.file, at, "Conditions", "no condition %s", yamlnode.Excerpt(name))
		return false
	}
	if t.condBusy[name] {
		t.c.errAt(t.file, at, "Conditions."+name, "condition %s refers to itself", yamlnode.Excerpt(name))
		return false
	}
	t.condBusy[name] = true
	v := t.condNode(expr, "Conditions."+name, depth+1)
	delete(t.condBusy, name)
	t.condVal[name] = v
	return v
}

// condNode evaluates a condition expression.
func (t *cfnTemplate) condNode(n *yaml.Node, path string, depth int) bool {
	n = resolve(n)
	if depth > maxCFNDepth {
		t.c.errAt(t.file, n, path, "conditions nested deeper than %d", maxCFNDepth)
		return false
	}
	fn, arg := fnName(n)
	if fn == "" && n != nil && n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value == "Condition" {
		fn, arg = "Condition", n.Content[1]
	}
	switch fn {
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition":
		return t.condExpr(fn, arg, n, path, depth+1)
	}
	if n != nil && n.Kind == yaml.ScalarNode && (n.Value == "true" || n.Value == "false") {
		return n.Value == "true"
	}
	t.c.errAt(t.file, n, path, "a condition is Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition, got %s", kindName(n))
	return false
}

func (t *cfnTemplate) condExpr(fn string, arg, at *yaml.Node, path string, depth int) bool {
	switch fn {
	case "Condition":
		name, ok := t.str(arg, fn, path, depth)
		return ok && t.condition(name, at, depth)
	case "Fn::Equals":
		l := t.args(fn, arg, at, path, depth, 2)
		if l == nil {
			return false
		}
		a, b := t.eval(l[0], path, depth), t.eval(l[1], path, depth)
		if a == nil || b == nil || a.Kind != yaml.ScalarNode || b.Kind != yaml.ScalarNode {
			t.c.errAt(t.file, at, path, "Fn::Equals compares two strings")
			return false
		}
		if t.opaque[a] || t.opaque[b] {
			t.c.warnAt(t.file, at, path, "Fn::Equals on a value not known here: taken as false")
		}
		return a.Value == b.Value
	case "Fn::Not":
		l := t.args(fn, arg, at, path, depth, 1)
		return l != nil && !t.condNode(l[0], path, depth)
	default: // Fn::And, Fn::Or
		l := t.args(fn, arg, at, path, depth, -1)
		if l == nil {
			return false
		}
		if len(l) < 2 || len(l) > 10 {
			t.c.errAt(t.file, at, path, "%s takes 2 to 10 conditions, got %d", fn, len(l))
			return false
		}
		and := fn == "Fn::And"
		v := and
		for _, e := range l {
			x := t.condNode(e, path, depth)
			if and {
				v = v && x
			} else {
				v = v || x
			}
		}
		return v
	}
}
