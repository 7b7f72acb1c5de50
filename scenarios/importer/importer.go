package importer

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/deploysim/deploysim/scenarios/internal/yamlnode"
)

// Kind names a source tool's configuration format.
type Kind string

// The kinds Import understands.
const (
	EB          Kind = "eb"           // Elastic Beanstalk .ebextensions option_settings
	CodeDeploy  Kind = "codedeploy"   // CodeDeploy deployment config and deployment group
	ArgoRollout Kind = "argo-rollout" // Argo Rollouts Rollout (+ AnalysisTemplate)
	Flagger     Kind = "flagger"      // Flagger Canary
	ECS         Kind = "ecs"          // ECS service deploymentConfiguration
	K8s         Kind = "k8s"          // Kubernetes Deployment
	// CloudFormation is a template: the whole service, as a scenario.
	CloudFormation Kind = "cloudformation"
)

// Kinds returns every kind, in the order of the documentation.
func Kinds() []Kind {
	return []Kind{EB, CodeDeploy, ArgoRollout, Flagger, ECS, K8s, CloudFormation}
}

// Warning is a source field that was not mapped, or mapped only
// approximately, with where it was written.
type Warning struct {
	File      string
	Line, Col int
	// Path is the field in the source's own spelling, e.g.
	// "spec.strategy.canary.trafficRouting.nginx".
	Path string
	Msg  string
}

func (w Warning) String() string {
	return position(w.File, w.Line, w.Col) + yamlnode.Bound(w.Path, yamlnode.MaxField) + ": " + yamlnode.Bound(w.Msg, yamlnode.MaxMessage)
}

// Result is one imported configuration: a strategy block of the catalogue
// and the world settings the source also fixes.
type Result struct {
	// Strategy is the catalogue name, e.g. "canary".
	Strategy string
	// Config is the strategy block's fields without name: durations as
	// strings ("5m"), percentages as numbers, nested blocks as maps. It
	// marshals to YAML that the strategy's Spec.New decodes strictly.
	Config map[string]any
	// World holds settings of the simulated world the source fixes but a
	// strategy block cannot hold (fleet size, health checks, deregistration
	// delay), shaped as a scenario's world: block, e.g.
	// {"instances": 6, "lb": {"deregistration_delay": "20s"}}. Nil when
	// the source sets none. A scenario merges it under its own world
	// settings or reports it; Import never changes a world.
	World map[string]any
	// Warnings list every source field not mapped exactly, in file order.
	Warnings []Warning
	// Scenario is, for a source that describes a whole service (a
	// CloudFormation template), the scenario it amounts to — name, title,
	// world, alarms and every strategy found — shaped as a scenario file.
	// Nil for the other kinds. YAML renders it.
	Scenario map[string]any
	// Blocks are the strategies of Scenario, in the source's order;
	// Strategy and Config are the first.
	Blocks []Block
	// Note says what a strategy block taking this import leaves out.
	Note string
}

// Block is one strategy of an imported scenario, labelled by where it
// came from (a template's logical ID).
type Block struct {
	Label    string
	Strategy string
	Config   map[string]any
}

// Source is one input file.
type Source struct {
	File string
	Src  []byte
}

// ErrInvalid is wrapped by every error about invalid input, so that a CLI
// can map it to its invalid-input exit code.
var ErrInvalid = errors.New("invalid input")

// FieldError is one invalid value at a position in a source file.
type FieldError struct {
	File      string
	Line, Col int
	Field     string // the source's spelling: "spec.strategy.canary.steps[2].setWeight"
	Msg       string // what is wrong and the allowed values
}

func (e FieldError) Error() string {
	s := position(e.File, e.Line, e.Col)
	if e.Field != "" {
		s += yamlnode.Bound(e.Field, yamlnode.MaxField) + ": "
	}
	return s + yamlnode.Bound(e.Msg, yamlnode.MaxMessage)
}

// Error holds every problem found in the sources, in file order. It wraps
// ErrInvalid.
type Error struct{ Errs []FieldError }

func (e *Error) Error() string {
	s := make([]string, len(e.Errs))
	for i, f := range e.Errs {
		s[i] = f.Error()
	}
	return strings.Join(s, "\n")
}

func (e *Error) Unwrap() error { return ErrInvalid }

func position(file string, line, col int) string {
	s := file
	if line > 0 {
		s += fmt.Sprintf(":%d:%d", line, col)
	}
	if s != "" {
		s += ": "
	}
	return s
}

// Import converts one source file of the given kind. Invalid values are
// returned as an *Error naming file:line:col, the field and the allowed
// values; every field it does not map exactly is a Warning.
//
// For codedeploy, src may be a predefined configuration name
// ("CodeDeployDefault.HalfAtATime") instead of JSON; when src is empty and
// file is such a name, the name is taken from file, so that
// `deploysim import codedeploy CodeDeployDefault.OneAtATime` needs no file.
func Import(kind Kind, file string, src []byte) (Result, error) {
	return ImportFiles(kind, Source{File: file, Src: src})
}

// ImportFiles converts several files that together describe one
// deployment: an Argo Rollout and the AnalysisTemplates it references, or a
// CodeDeploy deployment config and the deployment group that uses it. Every
// file may hold several YAML documents.
func ImportFiles(kind Kind, files ...Source) (Result, error) {
	return ImportWith(kind, Options{}, files...)
}

// Options are what an import takes besides its files.
type Options struct {
	// Params are a CloudFormation template's parameter values by name
	// (`--param K=V`); a parameter without one takes its Default.
	Params map[string]string
}

// ImportWith is ImportFiles with options.
func ImportWith(kind Kind, o Options, files ...Source) (Result, error) {
	if len(o.Params) > 0 && kind != CloudFormation {
		return Result{}, fmt.Errorf("import %s: parameters are for cloudformation templates: %w", kind, ErrInvalid)
	}
	c := &ctx{}
	var docs []doc
	for _, f := range files {
		if kind == CodeDeploy && len(strings.TrimSpace(string(f.Src))) == 0 && strings.HasPrefix(f.File, "CodeDeployDefault.") {
			f.Src = []byte(f.File)
			f.File = ""
		}
		docs = append(docs, c.parse(f.File, f.Src)...)
	}
	if len(c.errs) > 0 {
		return Result{}, c.err()
	}
	if len(docs) == 0 {
		file := ""
		if len(files) > 0 {
			file = files[0].File
		}
		c.errAt(file, nil, "", "no YAML or JSON document found")
		return Result{}, c.err()
	}
	if !c.checkKind(kind, docs) {
		return Result{}, c.err()
	}
	var r Result
	switch kind {
	case EB:
		r = importEB(c, docs)
	case CodeDeploy:
		r = importCodeDeploy(c, docs)
	case ArgoRollout:
		r = importArgo(c, docs)
	case Flagger:
		r = importFlagger(c, docs)
	case ECS:
		r = importECS(c, docs)
	case K8s:
		r = importK8s(c, docs)
	case CloudFormation:
		r = importCloudFormation(c, docs, o.Params)
	default:
		names := make([]string, 0, 8)
		for _, k := range Kinds() {
			names = append(names, string(k))
		}
		return Result{}, fmt.Errorf("import kind %q: %w; allowed: %s", kind, ErrInvalid, strings.Join(names, ", "))
	}
	if len(c.errs) > 0 {
		return Result{}, c.err()
	}
	r.Warnings = c.warns
	slices.SortStableFunc(r.Warnings, func(a, b Warning) int {
		if a.File != b.File {
			return strings.Compare(a.File, b.File)
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
	// A template referenced twice warns twice about the same field.
	r.Warnings = slices.Compact(r.Warnings)
	if c.droppedWarns > 0 {
		r.Warnings = append(r.Warnings, Warning{Msg: fmt.Sprintf("and %d more warnings", c.droppedWarns)})
	}
	if len(r.World) == 0 {
		r.World = nil
	}
	return r, nil
}

// YAML renders the equivalent deploysim strategy block: the warnings as
// comments, `name:` first, then the fields in sorted order with rollback
// last; the world settings follow as a commented world: block to copy
// into the scenario. The output is the same for the same Result.
//
// For a source that describes a whole service (Scenario set) it renders
// the whole scenario file instead: name, title, world, alarms and the
// strategies, each labelled, the warnings as comments on top.
func (r Result) YAML() ([]byte, error) {
	var b strings.Builder
	for _, w := range r.Warnings {
		b.WriteString(comment("warning: " + w.String()))
	}
	if r.Scenario != nil {
		return r.scenarioYAML(&b)
	}
	block, err := strategyNode(r.Strategy, "", r.Config)
	if err != nil {
		return nil, err
	}
	out, err := marshal(block)
	if err != nil {
		return nil, err
	}
	b.Write(out)
	if len(r.World) > 0 {
		w, err := marshal(map[string]any{"world": r.World})
		if err != nil {
			return nil, err
		}
		b.WriteString("# world settings from the same source (merge into the scenario's world:):\n")
		for _, l := range strings.SplitAfter(strings.TrimSuffix(string(w), "\n"), "\n") {
			b.WriteString("#   " + l)
		}
		b.WriteString("\n")
	}
	return []byte(b.String()), nil
}

// strategyNode renders a strategy block: name, label, the fields in
// sorted order, rollback last.
func strategyNode(name, label string, cfg map[string]any) (*yaml.Node, error) {
	block := &yaml.Node{Kind: yaml.MappingNode}
	add := func(k string, v any) error {
		var n yaml.Node
		if err := n.Encode(v); err != nil {
			return fmt.Errorf("import: field %s: %w", k, err)
		}
		block.Content = append(block.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, &n)
		return nil
	}
	if err := add("name", name); err != nil {
		return nil, err
	}
	if label != "" {
		if err := add("label", label); err != nil {
			return nil, err
		}
	}
	keys := slices.Sorted(maps.Keys(cfg))
	if i := slices.Index(keys, "rollback"); i >= 0 {
		keys = append(slices.Delete(keys, i, i+1), "rollback")
	}
	for _, k := range keys {
		if err := add(k, cfg[k]); err != nil {
			return nil, err
		}
	}
	return block, nil
}

// scenarioYAML renders Scenario after the comments already in b.
func (r Result) scenarioYAML(b *strings.Builder) ([]byte, error) {
	doc := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range []string{"name", "title", "world", "alarms"} {
		v, ok := r.Scenario[k]
		if !ok {
			continue
		}
		var n yaml.Node
		if err := n.Encode(v); err != nil {
			return nil, fmt.Errorf("import: %s: %w", k, err)
		}
		doc.Content = append(doc.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, &n)
	}
	list := &yaml.Node{Kind: yaml.SequenceNode}
	for _, bl := range r.Blocks {
		n, err := strategyNode(bl.Strategy, bl.Label, bl.Config)
		if err != nil {
			return nil, err
		}
		list.Content = append(list.Content, n)
	}
	doc.Content = append(doc.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "strategies"}, list)
	out, err := marshal(doc)
	if err != nil {
		return nil, err
	}
	b.Write(out)
	return []byte(b.String()), nil
}

func comment(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		b.WriteString("# " + l + "\n")
	}
	return b.String()
}

func marshal(v any) ([]byte, error) {
	var b strings.Builder
	e := yaml.NewEncoder(&b)
	e.SetIndent(2)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	if err := e.Close(); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}
