package scenarios

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Param is one dimension of a sweep: a path into the scenario file and the
// values it takes, written as on the command line:
//
//	set   = path "=" value { "," value }
//	path  = key { "." key }      ; a mapping key, a list index, or in
//	                             ; strategies: a strategy's label or name
//
// e.g. world.instances=10,40,160, versions.v2.error_rate=0,5%,
// strategies.rolling.batch_size=1,2. Values are parsed as if written in
// the file, so every check of Load applies.
type Param struct {
	Path   string
	Values []string
}

// ParseSet parses "path=v1,v2".
func ParseSet(s string) (Param, error) {
	path, vals, ok := strings.Cut(s, "=")
	path = strings.TrimSpace(path)
	if !ok || path == "" || strings.TrimSpace(vals) == "" {
		return Param{}, fmt.Errorf("--set %q: want PATH=V1,V2,... (e.g. world.instances=10,40): %w", s, ErrInvalid)
	}
	p := Param{Path: path}
	for _, v := range strings.Split(vals, ",") {
		p.Values = append(p.Values, strings.TrimSpace(v))
	}
	return p, nil
}

// Sweep is a scenario over a grid of parameter values: every combination
// of the params' values (the last param varies fastest), each loaded and
// checked like a file of its own.
type Sweep struct {
	Name   string
	Params []Param
	Points []SweepPoint
}

// SweepPoint is one combination and its scenario.
type SweepPoint struct {
	Set      map[string]string
	Scenario *Scenario
}

// NewSweep builds and loads every point of the grid; all problems are
// reported at once. The grid may have at most MaxSweepPoints points; ctx
// stops the expansion (with an error wrapping ErrInterrupted).
func NewSweep(ctx context.Context, name string, src []byte, params []Param, opts LoadOptions) (*Sweep, error) {
	points := int64(1)
	for _, p := range params {
		points = mulSat(points, int64(len(p.Values)))
	}
	if points > MaxSweepPoints {
		return nil, fmt.Errorf("--set: the grid has %s points; the limit is %d: %w", countString(points), MaxSweepPoints, ErrInvalid)
	}
	root, err := parseYAML(name, src)
	if err != nil {
		return nil, err
	}
	sw := &Sweep{Name: name, Params: params}
	idx := make([]int, len(params))
	var errs []FieldError
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("%w while loading the sweep's points (%d of %d loaded)", ErrInterrupted, len(sw.Points), points)
		}
		set := map[string]string{}
		doc := cloneNode(root)
		if doc.Kind == 0 {
			doc = &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
		}
		var labels []string
		for k, p := range params {
			v := p.Values[idx[k]]
			set[p.Path] = v
			labels = append(labels, p.Path+"="+v)
			if err := setPath(doc, p.Path, v); err != nil {
				errs = append(errs, FieldError{File: name, Field: p.Path, Msg: "--set: " + err.Error()})
			}
		}
		sc, err := loadNode(fmt.Sprintf("%s [%s]", name, strings.Join(labels, " ")), name, doc, opts)
		if le, ok := err.(*LoadError); ok {
			errs = append(errs, le.Errs...)
		} else if err != nil {
			return nil, err
		}

		sw.Points = append(sw.Points, SweepPoint{Set: set, Scenario: sc})
		if !next(idx, params) {
			break
		}
	}
	if len(errs) > 0 {
		return nil, &LoadError{Errs: dedupe(errs)}
	}
	return sw, nil
}

func dedupe(errs []FieldError) []FieldError {
	seen := map[string]bool{}
	var out []FieldError
	for _, e := range errs {
		k := fmt.Sprint(e.Line, e.Col, e.Field, e.Msg)
		if !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}

// next advances the odometer idx; false when it wrapped.
func next(idx []int, params []Param) bool {
	for k := len(idx) - 1; k >= 0; k-- {
		idx[k]++
		if idx[k] < len(params[k].Values) {
			return true
		}
		idx[k] = 0
	}
	return false
}

func cloneNode(n *yaml.Node) *yaml.Node {
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, x := range n.Content {
		c.Content[i] = cloneNode(x)
	}
	if n.Alias != nil {
		c.Alias = cloneNode(n.Alias)
	}
	return &c
}

// setPath sets the scalar at path in doc, creating mappings on the way.
func setPath(doc *yaml.Node, path, value string) error {
	n := resolve(doc)
	keys := strings.Split(path, ".")
	for i, k := range keys {
		last := i == len(keys)-1
		var child *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for j := 0; j+1 < len(n.Content); j += 2 {
				if n.Content[j].Value == k {
					child = n.Content[j+1]
				}
			}
			if child == nil {
				child = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
				n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, child)
			}
		case yaml.SequenceNode:
			j, err := strconv.Atoi(k)
			if err != nil {
				j = findItem(n, k)
			}
			if j < 0 || j >= len(n.Content) {
				return fmt.Errorf("%s: no list item %q", strings.Join(keys[:i], "."), k)
			}
			child = n.Content[j]
			if child.Kind == yaml.ScalarNode && !last { // "- rolling" → {name: rolling}
				*child = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: child.Line, Column: child.Column,
					Content: []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: "name"}, {Kind: yaml.ScalarNode, Tag: "!!str", Value: child.Value}}}
			}
		default:
			return fmt.Errorf("%s is a scalar, not a section", strings.Join(keys[:i], "."))
		}
		if last {
			line, col := child.Line, child.Column
			*child = yaml.Node{Kind: yaml.ScalarNode, Value: value, Line: line, Column: col}
			if value == "" || value == "null" || value == "~" {
				child.Tag = "!!null"
			}
			return nil
		}
		n = resolve(child)
	}
	return nil
}

// findItem finds a list item by its label or name (strategies).
func findItem(seq *yaml.Node, key string) int {
	for _, field := range []string{"label", "name"} {
		for j, it := range seq.Content {
			if it.Kind == yaml.ScalarNode && it.Value == key && field == "name" {
				return j
			}
			for m := 0; it.Kind == yaml.MappingNode && m+1 < len(it.Content); m += 2 {
				if it.Content[m].Value == field && it.Content[m+1].Value == key {
					return j
				}
			}
		}
	}
	return -1
}

// SweepReport holds one Report per grid point.
type SweepReport struct {
	Scenario     string        `json:"scenario"`
	Seed         uint64        `json:"seed"`
	Replications int           `json:"replications"`
	Complete     bool          `json:"complete"`
	Parameters   []string      `json:"parameters"`
	Points       []PointReport `json:"points"`
}

// PointReport is one grid point's results.
type PointReport struct {
	Set            map[string]string `json:"set"`
	Recommendation *Recommendation   `json:"recommendation"`
	Results        []*Summary        `json:"results"`
}

// Passed reports whether every threshold of every point held.
func (r *SweepReport) Passed() bool {
	for _, p := range r.Points {
		if !(&Report{Results: p.Results}).Passed() {
			return false
		}
	}
	return true
}

// Reports returns one Report per grid point (Point names it), for the
// outputs that take experiments: JUnit, OpenMetrics, HTML reports.
func (r *SweepReport) Reports() []*Report {
	var out []*Report
	for _, p := range r.Points {
		rep := &Report{Scenario: r.Scenario, Point: pointName(r.Parameters, p.Set), Seed: r.Seed,
			Replications: r.Replications, Complete: true, Recommendation: p.Recommendation, Results: p.Results}
		for _, s := range p.Results {
			if s.Runs < r.Replications {
				rep.Complete = false
			}
		}
		out = append(out, rep)
	}
	return out
}

// pointName names a grid point: "path=value" in the parameters' order.
func pointName(params []string, set map[string]string) string {
	parts := make([]string, len(params))
	for i, k := range params {
		parts[i] = k + "=" + set[k]
	}
	return strings.Join(parts, " ")
}

// Pending returns empty reports (Complete false) for the grid points r
// lacks, those an interruption kept from running.
func (sw *Sweep) Pending(r *SweepReport, opts Options) []*Report {
	var out []*Report
	params := make([]string, len(sw.Params))
	for i, p := range sw.Params {
		params[i] = p.Path
	}
	for _, p := range sw.Points[min(len(r.Points), len(sw.Points)):] {
		out = append(out, p.Scenario.pending(opts, pointName(params, p.Set)))
	}
	return out
}

// pending is the empty report of sc, not run.
func (sc *Scenario) pending(opts Options, point string) *Report {
	seed := sc.Seed
	if opts.Seed != nil {
		seed = *opts.Seed
	}
	return &Report{Scenario: sc.Name, Point: point, Title: sc.Title, Seed: seed, Replications: pick(opts.Replications, sc.Replications)}
}

// Pending is the empty report of sc, for an experiment an interruption
// kept from running.
func (sc *Scenario) Pending(opts Options) *Report { return sc.pending(opts, "") }

// Strategies lists the strategy labels of the first point.
func (r *SweepReport) Strategies() []string {
	var s []string
	if len(r.Points) > 0 {
		for _, x := range r.Points[0].Results {
			s = append(s, x.Label)
		}
	}
	return s
}

// Run runs every point in order (each on all workers). Every point uses
// the same seeds, so differences come from the parameters, not the luck of
// the draw. A point keeps its statistics only (not the runs' values nor a
// timeline), so that the memory of a large grid stays small, unless
// opts.KeepRuns; all points' runs together are at most MaxRuns.
func (sw *Sweep) Run(ctx context.Context, opts Options) (*SweepReport, error) {
	out := &SweepReport{Scenario: sw.Points[0].Scenario.Name, Complete: true}
	for _, p := range sw.Params {
		out.Parameters = append(out.Parameters, p.Path)
	}
	var runs int64
	for _, p := range sw.Points {
		reps := pick(opts.Replications, p.Scenario.Replications)
		if err := checkRuns(reps, len(p.Scenario.Strategies)); err != nil {
			return nil, err
		}
		runs = addSat(runs, mulSat(int64(reps), int64(len(p.Scenario.Strategies))))
		if err := p.Scenario.checkMemory(opts); err != nil {
			return nil, err
		}
	}
	if runs > MaxRuns {
		return nil, fmt.Errorf("the sweep has %d points and %s runs in all; the limit is %d runs: %w", len(sw.Points), countString(runs), MaxRuns, ErrInvalid)
	}
	if opts.KeepRuns {
		if err := sw.checkKept(opts); err != nil {
			return nil, err
		}
	}
	total := int(runs)
	base := 0
	for _, p := range sw.Points {
		o := opts
		if opts.Progress != nil {
			b := base
			o.Progress = func(done, _ int) { opts.Progress(b+done, total) }
		}
		rep, err := p.Scenario.Run(ctx, o)
		if rep != nil {
			if !opts.KeepRuns {
				for _, s := range rep.Results {
					s.Sample, s.Values, s.RunOutcomes = nil, nil, nil
				}
			}
			out.Seed, out.Replications = rep.Seed, rep.Replications
			out.Points = append(out.Points, PointReport{Set: p.Set, Recommendation: rep.Recommendation, Results: rep.Results})
		}
		if err != nil {
			out.Complete = false
			if rep == nil {
				return nil, err
			}
			return out, err
		}
		base += len(p.Scenario.Strategies) * rep.Replications
	}
	return out, nil
}

// checkKept refuses a sweep whose points, all keeping their runs
// (KeepRuns), are estimated above the memory budget: the largest point's
// worlds plus what every point keeps.
func (sw *Sweep) checkKept(opts Options) error {
	budget := opts.MemoryBudget
	if budget <= 0 {
		budget = DefaultMemoryBudget
	}
	var worlds, kept int64
	for _, p := range sw.Points {
		e := p.Scenario.Estimate(opts)
		worlds = max(worlds, mulSat(int64(e.Workers), e.World.Total()))
		kept = addSat(kept, e.Results)
	}
	if total := addSat(worlds, kept); total > budget {
		return fmt.Errorf("the sweep's reports keep every point's runs: an estimated %s for %d points (%s kept), above the memory budget of %s: sweep fewer points or replications, drop --report and --openmetrics-timeline, or raise --memory-budget: %w",
			BytesString(total), len(sw.Points), BytesString(kept), BytesString(budget), ErrInvalid)
	}
	return nil
}

func pick(a, b int) int {
	if a > 0 {
		return a
	}
	return b
}
