package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/strategies"
)

// File is a scenario file as written. Every field is optional; Load fills
// the defaults documented on each field.
type File struct {
	// Name identifies the scenario in output (default: the file's base name).
	Name string `yaml:"name"`
	// Title, Story and Lesson explain the scenario to a reader.
	Title  string `yaml:"title"`
	Story  string `yaml:"story"`
	Lesson string `yaml:"lesson"`
	// Seed is the root seed of the experiment (1).
	Seed uint64 `yaml:"seed"`
	// Replications per strategy (20).
	Replications int `yaml:"replications"`
	// TimeLimit bounds each strategy's run (2h); one still running is
	// stopped and counts as failed.
	TimeLimit time.Duration `yaml:"time_limit"`
	// World is the simulated environment (models.Config, snake_case).
	World models.Config `yaml:"world"`
	// Versions by name; each starts from a healthy version's defaults.
	// The deployment's from and to versions always exist.
	Versions   map[string]models.VersionSpec `yaml:"versions"`
	Deployment Deployment                    `yaml:"deployment"`
	// Alarms are CloudWatch-style alarms strategies can watch by name.
	Alarms     []models.AlarmSpec `yaml:"alarms"`
	Strategies []StrategyBlock    `yaml:"strategies"`
	Faults     []Fault            `yaml:"faults"`
	SLO        SLO                `yaml:"slo"`
	Expect     []Expect           `yaml:"expect"`
}

// Deployment is the release being rolled out.
type Deployment struct {
	From string `yaml:"from"` // the live version (v1)
	To   string `yaml:"to"`   // the new version (v2)
	// At is when the deployment starts, after steady state (2m).
	At time.Duration `yaml:"at"`
	// Settle is how long the world is at least measured after the
	// strategy returns (5m); the measurement goes on until the world is
	// quiet (docs/metrics.md), at most SettleMax after the strategy
	// returned (1h).
	Settle    time.Duration `yaml:"settle"`
	SettleMax time.Duration `yaml:"settle_max"`
	// Migrations of world.db run by the release (default: all, in order).
	Migrations []string `yaml:"migrations"`
	// Flag guards the new code path (feature-toggle strategies).
	Flag string `yaml:"flag"`
	// Contraindications are reasons not to run both versions side by side.
	Contraindications []string `yaml:"contraindications"`
}

// SLO sets how availability and downtime are judged.
type SLO struct {
	Window            time.Duration `yaml:"window"`             // 10s
	AvailabilityFloor float64       `yaml:"availability_floor"` // 0.95
	Target            float64       `yaml:"target"`             // 0.999
}

// StrategyBlock is one entry of strategies: the catalogue name, an
// optional label (to compare two configurations of one strategy), and the
// strategy's own config fields, passed to it strictly. A bare string is a
// strategy with its defaults.
type StrategyBlock struct {
	Name   string
	Label  string
	Config yaml.Node      // the block without name and label
	Values map[string]any // the same, generically, for output
	// importFailed: from_file failed, and said why.
	importFailed bool
}

func (s *StrategyBlock) decodeNode(d *decoder, n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.ScalarNode:
		s.Name = n.Value
		s.Config = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column}
		return
	case yaml.MappingNode:
	default:
		d.errAt(n, path, "got %s, want a strategy name or a mapping with name:", kindName(n))
		return
	}
	cfg := yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column}
	for k := 0; k+1 < len(n.Content); k += 2 {
		key, val := n.Content[k], n.Content[k+1]
		switch key.Value {
		case "name":
			s.Name, _ = d.scalar(resolve(val), join(path, "name"), "a strategy name")
			d.pos[join(path, "name")] = [2]int{key.Line, key.Column}
		case "label":
			s.Label, _ = d.scalar(resolve(val), join(path, "label"), "a label")
		case "from_file":
			s.importFile(d, val, join(path, "from_file"))
			if s.Name == "" {
				s.importFailed = true
				return
			}
			cfg = s.Config
		default:
			cfg.Content = append(cfg.Content, key, val)
		}
	}
	if s.Name == "" {
		d.errAt(n, join(path, "name"), "missing (allowed: %s, or from_file:)", strings.Join(StrategyNames(), ", "))
	}
	s.Config = cfg
	_ = cfg.Decode(&s.Values)
}

// Expect is one threshold: an expr-lang boolean expression over summary
// statistics of the metrics (see ExpectEnvDoc), optionally for some
// strategies only (by label). A bare string applies to every strategy.
type Expect struct {
	Expr       string   `yaml:"expr"`
	Strategies []string `yaml:"strategies"`
}

func (e *Expect) decodeNode(d *decoder, n *yaml.Node, path string) {
	if n.Kind == yaml.ScalarNode {
		e.Expr, _ = d.scalar(n, path, "an expression")
		return
	}
	type plain Expect
	d.structure(n, reflect.ValueOf((*plain)(e)).Elem(), path)
}

// Scenario is a loaded, validated and compiled scenario: ready to run.
type Scenario struct {
	File
	// Source is where it was loaded from (a path, or "builtin:NAME").
	Source string
	// Config is the world, complete with versions, SLO and alarms.
	Config models.Config
	// Warnings are what the loader accepted but could not simulate
	// exactly (fields of imported configurations).
	Warnings   []string
	Strategies []Strategy
	faults     []fault
	expects    []expectation
	// pos is where each field was written, for errors found while
	// running.
	pos map[string][2]int
	// defined are the versions the file defines (before the defaults of
	// the release's from and to are added).
	defined []string
}

// Strategy is one strategy of a scenario, configured.
type Strategy struct {
	Label  string // unique within the scenario (default: the name)
	Name   string
	Values map[string]any
	spec   StrategySpec
	config yaml.Node
}

// New returns a fresh controller (controllers may keep state per run).
func (s *Strategy) New() (strategies.Strategy, error) {
	d := newDecoder("")
	st, err := s.spec.New(func(cfg any) error { return d.into(&s.config, cfg, "") })
	if err == nil && st == nil {
		err = fmt.Errorf("strategy %s: constructor returned nothing", s.Name)
	}
	return st, err
}

// into decodes n into cfg (a pointer), returning the problems found.
func (d *decoder) into(n *yaml.Node, cfg any, path string) error {
	v := reflect.ValueOf(cfg)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return fmt.Errorf("decode: want a non-nil pointer, got %T", cfg)
	}
	before := len(d.errs)
	d.decode(n, v.Elem(), path)
	if len(d.errs) > before {
		return &LoadError{Errs: slices.Clone(d.errs[before:])}
	}
	return nil
}

// Load reads, validates and compiles a scenario. Every problem is reported
// at once, as a *LoadError wrapping ErrInvalid; name is the file name used
// in messages.
func Load(name string, r io.Reader) (*Scenario, error) {
	src, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	return parseScenario(name, src, LoadOptions{})
}

// syntaxError turns a YAML parser error ("yaml: line 3: ...") into a
// FieldError.
func syntaxError(name string, err error) error {
	fe := FieldError{File: name, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	var line int
	if _, e := fmt.Sscanf(fe.Msg, "line %d:", &line); e == nil {
		fe.Line, fe.Col = line, 1
		_, fe.Msg, _ = strings.Cut(fe.Msg, ": ")
	}
	return &LoadError{Errs: []FieldError{fe}}
}

// loadNode loads a scenario whose problems are reported in file name;
// file is the scenario's file, whose base name names it by default.
func loadNode(name, file string, root *yaml.Node, opts LoadOptions) (*Scenario, error) {
	d := newDecoder(name)
	d.opts = opts
	d.strictLabels = true
	f := defaultFile()
	n := resolve(root)
	if n == nil {
		n = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1, Column: 1}
	}
	d.decode(n, reflect.ValueOf(&f).Elem(), "")
	sc := &Scenario{File: f, Source: name, Warnings: d.warnings, pos: d.pos}
	if sc.Name == "" {
		sc.Name = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	}
	sc.check(d)
	if err := d.err(); err != nil {
		return nil, err
	}
	return sc, nil
}

func defaultFile() File {
	cfg := models.DefaultConfig()
	cfg.Versions = nil
	return File{
		Seed: 1, Replications: 20, TimeLimit: 2 * time.Hour,
		World:      cfg,
		Deployment: Deployment{From: "v1", To: "v2", At: 2 * time.Minute, Settle: 5 * time.Minute, SettleMax: time.Hour},
		SLO: SLO{
			Window: cfg.Measure.Window, AvailabilityFloor: cfg.Measure.AvailabilityFloor,
			Target: cfg.Measure.Target,
		},
	}
}

// check validates what the decoder cannot see field by field and compiles
// the scenario: versions, strategies, faults, expressions, the world.
func (sc *Scenario) check(d *decoder) {
	f := &sc.File
	if f.Replications < 1 {
		d.errField("replications", "got %d, want at least 1", f.Replications)
	}
	if f.TimeLimit <= 0 {
		d.errField("time_limit", "want a positive duration")
	}
	if f.Versions == nil {
		f.Versions = map[string]models.VersionSpec{}
	}
	sc.defined = slices.Sorted(maps.Keys(f.Versions))
	for _, v := range []string{f.Deployment.From, f.Deployment.To} {
		if _, ok := f.Versions[v]; !ok && v != "" {
			f.Versions[v] = models.DefaultVersion(v)
		}
	}
	sc.checkLimits(d)
	if f.Deployment.From == f.Deployment.To {
		d.errField("deployment.to", "must differ from deployment.from (%q)", f.Deployment.From)
	}
	if f.Deployment.Settle <= 0 {
		d.errField("deployment.settle", "want a positive duration")
	}
	if f.Deployment.SettleMax < f.Deployment.Settle {
		d.errField("deployment.settle_max", "got %v, want at least deployment.settle (%v)", f.Deployment.SettleMax, f.Deployment.Settle)
	}
	if f.Deployment.At < f.SLO.Window {
		d.errField("deployment.at", "got %v, want at least the SLO window (%v) of steady state", f.Deployment.At, f.SLO.Window)
	}
	if f.SLO.Window <= 0 {
		d.errField("slo.window", "want a positive duration")
	}
	if f.SLO.Target >= 1 || f.SLO.Target <= 0 {
		d.errField("slo.target", "got %v, want a fraction in (0, 1)", f.SLO.Target)
	}
	names := slices.Sorted(maps.Keys(f.Versions))
	if len(names) > 8 {
		d.errField("versions", "got %d versions, want at most 8", len(names))
	}
	cfg := f.World
	cfg.From = f.Deployment.From
	for _, n := range names {
		v := f.Versions[n]
		v.Name = n
		cfg.Versions = append(cfg.Versions, v)
	}
	cfg.Measure.Window = f.SLO.Window
	cfg.Measure.AvailabilityFloor = f.SLO.AvailabilityFloor
	cfg.Measure.Target = f.SLO.Target
	if cfg.Measure.Bucket > cfg.Measure.Window {
		cfg.Measure.Bucket = cfg.Measure.Window
	}
	cfg.Alarms = f.Alarms
	for i, a := range cfg.Alarms {
		if err := models.CheckAlarm(a); err != nil {
			field := fmt.Sprintf("alarms[%d]", i)
			switch {
			case a.Expression != "" && strings.Contains(err.Error(), "expression"):
				field += ".expression"
			case a.Expression == "" && strings.Contains(err.Error(), "metric"):
				field += ".metric"
			case strings.Contains(err.Error(), "Comparison"):
				field += ".comparison"
			}
			d.errField(field, "%v", err)
		}
		if a.Version != "" && a.Version != "$to" && a.Version != "$from" {
			if _, ok := f.Versions[a.Version]; !ok {
				d.errField(fmt.Sprintf("alarms[%d].version", i), "%s", unknown("version", a.Version, append([]string{"$from", "$to"}, names...)))
			}
		}
	}
	migrations := map[string]bool{}
	for _, m := range cfg.DB.Migrations {
		migrations[m.Name] = true
	}
	for i, m := range f.Deployment.Migrations {
		if !migrations[m] {
			d.errField(fmt.Sprintf("deployment.migrations[%d]", i), "%s", unknown("migration of world.db.migrations", m, slices.Sorted(maps.Keys(migrations))))
		}
	}
	sc.Config = cfg
	// The world's own check only when everything else is right: on a
	// half-decoded file it would repeat a problem already reported.
	if len(d.errs) == 0 {
		if err := cfg.Validate(); err != nil {
			field, _, _ := strings.Cut(strings.TrimPrefix(err.Error(), "world: "), " ")
			d.errField("world."+field, "%v", strings.TrimPrefix(err.Error(), "world: "))
		}
	}
	sc.checkStrategies(d)
	sc.checkRefs(d)
	sc.compileFaults(d)
	sc.compileExpects(d)
	if len(d.errs) == 0 { // a half-decoded file would tell wrong numbers
		f.Title, f.Story, f.Lesson = sc.tell(d, "title", f.Title), sc.tell(d, "story", f.Story), sc.tell(d, "lesson", f.Lesson)
	}
}

func (sc *Scenario) checkStrategies(d *decoder) {
	blocks := sc.File.Strategies
	if len(blocks) == 0 {
		blocks = []StrategyBlock{{Name: "rolling", Config: yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}}}
	}
	labels := map[string]bool{}
	for i, b := range blocks {
		path := fmt.Sprintf("strategies[%d]", i)
		if b.importFailed {
			continue
		}
		spec, err := LookupStrategy(b.Name)
		if err != nil {
			d.errField(join(path, "name"), "unknown strategy %q%s (allowed: %s)", b.Name, suggest(b.Name, StrategyNames()), strings.Join(StrategyNames(), ", "))
			continue
		}
		label := b.Label
		if label == "" {
			label = b.Name
		}
		if labels[label] {
			d.errField(path, "strategy %q appears twice: give each a distinct label:", label)
		}
		labels[label] = true
		st := Strategy{Label: label, Name: b.Name, Values: b.Values, spec: spec, config: b.Config}
		if st.Values == nil {
			st.Values = map[string]any{}
		}
		before := len(d.errs)
		_, err = spec.New(func(cfg any) error { return d.into(&st.config, cfg, path) })
		if err != nil && len(d.errs) == before {
			var le *LoadError
			if !errors.As(err, &le) {
				d.errField(path, "%v", err)
			}
		}
		sc.Strategies = append(sc.Strategies, st)
	}
}

// Strategy returns the strategy with label (or name) s.
func (sc *Scenario) Strategy(s string) (Strategy, bool) {
	for _, st := range sc.Strategies {
		if st.Label == s {
			return st, true
		}
	}
	for _, st := range sc.Strategies {
		if st.Name == s {
			return st, true
		}
	}
	return Strategy{}, false
}

// WithStrategies returns a copy of sc comparing the named strategies (each
// with its configuration from sc if it has one, else the defaults).
func (sc *Scenario) WithStrategies(names []string) (*Scenario, error) {
	out := *sc
	out.Strategies = nil
	for _, n := range names {
		if st, ok := sc.Strategy(n); ok {
			out.Strategies = append(out.Strategies, st)
			continue
		}
		spec, err := LookupStrategy(n)
		if err != nil {
			labels := []string{}
			for _, st := range sc.Strategies {
				labels = append(labels, st.Label)
			}
			return nil, fmt.Errorf("--strategies: %s; or one of the scenario's labels: %s: %w", unknown("strategy", n, StrategyNames()), strings.Join(labels, ", "), ErrInvalid)
		}
		out.Strategies = append(out.Strategies, Strategy{
			Label: n, Name: n, Values: map[string]any{}, spec: spec,
			config: yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"},
		})
	}
	d := newDecoder(sc.Source)
	out.compileExpects(d) // labels may have changed
	if err := d.err(); err != nil {
		return nil, err
	}
	return &out, nil
}

// Parse is Load from a byte slice.
func Parse(name string, src []byte) (*Scenario, error) { return Load(name, bytes.NewReader(src)) }
