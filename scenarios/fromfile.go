package scenarios

import (
	"fmt"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/deploysim/deploysim/scenarios/importer"
)

// importFile reads a strategy block's from_file: {kind, path} (or paths:
// a list, e.g. an Argo Rollout and its AnalysisTemplate) and replaces the
// block with the imported strategy. Paths are relative to the scenario
// file. What the importer could not map becomes a warning of the scenario;
// world settings the source fixes are reported too, since a strategy
// block cannot hold them.
func (s *StrategyBlock) importFile(d *decoder, n *yaml.Node, path string) {
	var spec struct {
		Kind  string   `yaml:"kind"`
		Path  string   `yaml:"path"`
		Paths []string `yaml:"paths"`
		// Params are a CloudFormation template's parameter values.
		Params map[string]string `yaml:"params"`
	}
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		d.errAt(n, path, "got %s, want {kind: KIND, path: FILE}", kindName(n))
		return
	}
	if err := n.Decode(&spec); err != nil {
		d.errAt(n, path, "%v", err)
		return
	}
	kinds := make([]string, 0, 6)
	for _, k := range importer.Kinds() {
		kinds = append(kinds, string(k))
	}
	if !strings.Contains(","+strings.Join(kinds, ",")+",", ","+spec.Kind+",") {
		d.errAt(n, join(path, "kind"), "%q (allowed: %s)", spec.Kind, strings.Join(kinds, ", "))
		return
	}
	files := spec.Paths
	if spec.Path != "" {
		files = append([]string{spec.Path}, files...)
	}
	if len(files) == 0 {
		d.errAt(n, join(path, "path"), "missing: the configuration file to import")
		return
	}
	var srcs []importer.Source
	for _, f := range files {
		p, err := d.importPath(f)
		var b []byte
		if err == nil {
			b, err = ReadFile(p)
		}
		if err != nil {
			d.errAt(n, join(path, "path"), "%v", err)
			return
		}
		srcs = append(srcs, importer.Source{File: p, Src: b})
	}
	r, err := importer.ImportWith(importer.Kind(spec.Kind), importer.Options{Params: spec.Params}, srcs...)
	if err != nil {
		d.errAt(n, path, "%v", err)
		return
	}
	var cfg yaml.Node
	b, err := yaml.Marshal(r.Config)
	if err == nil {
		err = yaml.Unmarshal(b, &cfg)
	}
	if err != nil || len(cfg.Content) == 0 {
		d.errAt(n, path, "imported configuration does not re-encode: %v", err)
		return
	}
	s.Name = r.Strategy
	s.Config = *cfg.Content[0]
	// Problems found in the imported block (an alarm the scenario does not
	// define) are reported at the from_file that brought it in.
	relocate(&s.Config, n.Line, n.Column)
	for _, w := range r.Warnings {
		d.warn(fmt.Sprintf("%s (from_file at %s)", w.String(), path))
	}
	if r.Note != "" {
		d.warn(fmt.Sprintf("%s: %s; deploysim import %s prints them all as a scenario", path, r.Note, spec.Kind))
	}
	if len(r.World) > 0 {
		wb, _ := yaml.Marshal(map[string]any{"world": r.World})
		d.warn(fmt.Sprintf("%s: the imported configuration also sets world settings a strategy block cannot hold; set them in the scenario if they apply:\n%s", path, strings.TrimSpace(string(wb))))
	}
}

// relocate gives n and everything under it the position line:col.
func relocate(n *yaml.Node, line, col int) {
	n.Line, n.Column = line, col
	for _, c := range n.Content {
		relocate(c, line, col)
	}
}

// ParseImported loads what an import produced as a scenario: the whole
// scenario of a source that describes one (a CloudFormation template), or
// a scenario of the imported strategy block on the world settings the
// source fixes. name names the source in messages.
func ParseImported(name string, r importer.Result) (*Scenario, error) {
	var src []byte
	var err error
	if r.Scenario != nil {
		src, err = r.YAML()
	} else {
		block := map[string]any{"name": r.Strategy}
		for k, v := range r.Config {
			block[k] = v
		}
		doc := map[string]any{"strategies": []any{block}}
		if len(r.World) > 0 {
			doc["world"] = r.World
		}
		src, err = yaml.Marshal(doc)
	}
	if err != nil {
		return nil, err
	}
	base := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	return Parse(base+" (imported)", src)
}
