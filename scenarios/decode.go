package scenarios

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/deploysim/deploysim/scenarios/internal/yamlnode"

	"github.com/deploysim/deploysim/models"
)

// ErrInvalid is wrapped by every error about invalid input (a scenario
// file, a --set value): the CLI maps it to exit code 2.
var ErrInvalid = errors.New("invalid input")

// FieldError is one problem in a scenario, at a position in its file.
type FieldError struct {
	File      string
	Line, Col int
	Field     string // dotted path: "versions.v2.error_rate", "strategies[1].batch_size"
	Msg       string
}

func (e FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(yamlnode.Bound(e.Field, yamlnode.MaxField))
		b.WriteString(": ")
	}
	b.WriteString(yamlnode.Bound(e.Msg, yamlnode.MaxMessage))
	return b.String()
}

// LoadError holds every problem found in a scenario, in file order.
type LoadError struct{ Errs []FieldError }

func (e *LoadError) Error() string {
	s := make([]string, len(e.Errs))
	for i, f := range e.Errs {
		s[i] = f.Error()
	}
	return strings.Join(s, "\n")
}

func (e *LoadError) Unwrap() error { return ErrInvalid }

// decoder maps YAML nodes onto Go values strictly: unknown fields, wrong
// kinds, malformed durations and out-of-range ratios are collected (never
// the first only), each with the node's line and column. It also records
// where every field was written, so that later checks (expressions, names
// that refer to other sections) can point at the right line.
//
// Scalars:
//
//	duration  = number unit { number unit }     ; Go syntax: 30s, 5m, 1h30m, 250ms; "0" is zero
//	ratio     = number [ "%" ]                  ; 0.05 or 5% (both mean 5 %)
//	dist      = duration [ ("±" | "+-") duration ]  ; mean and standard deviation; or {mean:, stddev:}
type decoder struct {
	// strictLabels: expect entries must name existing strategy labels
	// (at load; not when the CLI replaces the strategies).
	strictLabels bool
	file         string
	opts         LoadOptions
	errs         []FieldError
	warnings     []string
	pos          map[string][2]int
	// refs are the names decoded into fields tagged ref (see refs.go).
	refs []reference
}

// warn records something the loader accepted but the user should know
// (an imported field that is not simulated).
func (d *decoder) warn(msg string) { d.warnings = append(d.warnings, msg) }

func newDecoder(file string) *decoder {
	return &decoder{file: file, pos: map[string][2]int{}}
}

func (d *decoder) errAt(n *yaml.Node, field, format string, args ...any) {
	e := FieldError{File: d.file, Field: field, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
}

// errField reports at the recorded position of field (or the nearest
// recorded parent).
func (d *decoder) errField(field, format string, args ...any) {
	e := FieldError{File: d.file, Field: field, Msg: fmt.Sprintf(format, args...)}
	for p := field; p != ""; p = parentPath(p) {
		if at, ok := d.pos[p]; ok {
			e.Line, e.Col = at[0], at[1]
			break
		}
	}
	d.errs = append(d.errs, e)
}

func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func (d *decoder) err() error {
	if len(d.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(d.errs, func(a, b FieldError) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
	return &LoadError{Errs: d.errs}
}

// nodeDecoder is implemented by scenario types with a custom YAML form.
type nodeDecoder interface {
	decodeNode(d *decoder, n *yaml.Node, path string)
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	distType     = reflect.TypeFor[models.Dist]()
	nodeType     = reflect.TypeFor[yaml.Node]()
	versionType  = reflect.TypeFor[models.VersionSpec]()
)

// fieldName is the YAML name of a Go field: a `yaml` tag, else the name in
// snake_case (HealthCheckGracePeriod → health_check_grace_period,
// LatencyP50 → latency_p50), so that models.Config can be decoded as it is.
func fieldName(f reflect.StructField) string {
	if t, ok := f.Tag.Lookup("yaml"); ok {
		name, _, _ := strings.Cut(t, ",")
		return name
	}
	if n, ok := nameOverrides[f.Name]; ok {
		return n
	}
	return snake(f.Name)
}

var nameOverrides = map[string]string{"AZs": "azs", "LB": "lb", "DNS": "dns", "DB": "db", "ASG": "asg"}

func snake(s string) string {
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 {
			prevLower := unicode.IsLower(r[i-1]) || unicode.IsDigit(r[i-1])
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
			if prevLower || (unicode.IsUpper(r[i-1]) && nextLower) {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

// skippedFields are Go fields of models types a scenario sets elsewhere
// (Config.Versions comes from the versions map, Measure from slo).
var skippedFields = map[string]bool{
	"Config.From": true, "Config.Versions": true, "Config.Measure": true, "Config.Alarms": true,
	"VersionSpec.Name": true,
}

// structFields lists the decodable fields of t by YAML name, in order.
func structFields(t reflect.Type) (names []string, index map[string]int) {
	index = map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || skippedFields[t.Name()+"."+f.Name] {
			continue
		}
		name := fieldName(f)
		if name == "-" {
			continue
		}
		names = append(names, name)
		index[name] = i
	}
	return names, index
}

// ratioFields are float fields that hold a probability or fraction: they
// accept 5% and must lie in [0, 1].
var ratioFields = map[string]bool{
	"VersionSpec.ErrorRate": true, "VersionSpec.HealthCheckFailRate": true,
	"VersionSpec.LeakErrorRate": true, "VersionSpec.FlagErrorRate": true,
	"ASGConfig.LaunchFailureRate": true, "DNSConfig.IgnoreTTLFraction": true,
	"DBConfig.WriteFraction": true, "TrafficConfig.DiurnalAmplitude": true,
	"SLO.AvailabilityFloor": true, "SLO.Target": true,
	"BadReleaseFault.ErrorRate": true, "BadReleaseFault.HealthCheckFailRate": true,
	"ErrorsFault.Rate": true, "FlapHealthChecksFault.Rate": true, "IgnoreTTLFault.Fraction": true,
	"RateFault.Rate": true, "HookFailureFault.Rate": true,
}

// enumFields lists the allowed values of string fields.
var enumFields = map[string][]string{
	"VersionSpec.LatencyDist":    {"lognormal", "exponential"},
	"ASGConfig.HealthCheckType":  {"EC2", "ELB"},
	"LBConfig.Algorithm":         {"round_robin", "least_outstanding_requests"},
	"MigrationSpec.Kind":         {"expand", "contract", "breaking"},
	"TrafficConfig.Profile":      {"constant", "diurnal", "spike"},
	"AlarmSpec.Metric":           models.AlarmMetrics,
	"AlarmSpec.Comparison":       {">", ">=", "<", "<="},
	"AlarmSpec.TreatMissingData": {"missing", "notBreaching", "breaching", "ignore"},
	"HookFailureFault.Step":      lifecycleSteps,
}

// lifecycleSteps are the CodeDeploy in-place lifecycle events ("" = all).
var lifecycleSteps = []string{
	"", "BeforeBlockTraffic", "BlockTraffic", "AfterBlockTraffic",
	"ApplicationStop", "DownloadBundle", "BeforeInstall", "Install", "AfterInstall",
	"ApplicationStart", "ValidateService",
	"BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic",
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return resolve(n.Content[0])
	}
	return n
}

func kindName(n *yaml.Node) string { return yamlnode.Describe(n) }

// decode fills v from n. v must be settable. Fields absent from n keep
// their values: callers fill defaults first.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	n = resolve(n)
	if n == nil {
		return
	}
	if _, ok := d.pos[path]; !ok {
		d.pos[path] = [2]int{n.Line, n.Column}
	}
	if v.CanAddr() {
		if nd, ok := v.Addr().Interface().(nodeDecoder); ok {
			nd.decodeNode(d, n, path)
			return
		}
		if u, ok := v.Addr().Interface().(yaml.Unmarshaler); ok {
			if err := u.UnmarshalYAML(n); err != nil {
				d.errAt(n, path, "%v", err)
			}
			return
		}
	}
	t := v.Type()
	switch t {
	case nodeType:
		v.Set(reflect.ValueOf(*n))
		return
	case durationType:
		if dur, ok := d.duration(n, path); ok {
			v.SetInt(int64(dur))
		}
		return
	case distType:
		d.dist(n, v, path)
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		// A present key allocates its value, even when null: "dns_outage:"
		// means "this fault, with defaults".
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		if n.Tag == "!!null" {
			return
		}
		d.decode(n, v.Elem(), path)
	case reflect.Struct:
		d.structure(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errAt(n, path, "got %s, want a list", kindName(n))
			return
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, c := range n.Content {
			if pre, ok := s.Index(i).Addr().Interface().(interface{ preset() }); ok {
				pre.preset()
			}
			d.decode(c, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case reflect.Map:
		d.mapping(n, v, path)
	case reflect.String:
		if s, ok := d.scalar(n, path, "a string"); ok {
			v.SetString(s)
		}
	case reflect.Bool:
		if s, ok := d.scalar(n, path, "true or false"); ok {
			switch s {
			case "true":
				v.SetBool(true)
			case "false":
				v.SetBool(false)
			default:
				d.errAt(n, path, "got %s, want true or false", yamlnode.Excerpt(s))
			}
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if s, ok := d.scalar(n, path, "an integer"); ok {
			i, err := strconv.ParseInt(s, 10, 64)
			if err != nil || v.OverflowInt(i) {
				d.errAt(n, path, "got %s, want an integer", yamlnode.Excerpt(s))
				return
			}
			v.SetInt(i)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if s, ok := d.scalar(n, path, "a non-negative integer"); ok {
			i, err := strconv.ParseUint(s, 10, 64)
			if err != nil || v.OverflowUint(i) {
				d.errAt(n, path, "got %s, want a non-negative integer", yamlnode.Excerpt(s))
				return
			}
			v.SetUint(i)
		}
	case reflect.Float32, reflect.Float64:
		if s, ok := d.scalar(n, path, "a number"); ok {
			f, ok := parseNumber(s)
			if strings.HasSuffix(strings.TrimSpace(s), "%") && inPercent(path) {
				f *= 100 // a field in percent units: 25% is 25
			}
			if !ok {
				d.errAt(n, path, "got %s, want a number (a percentage like 25%% is allowed)", yamlnode.Excerpt(s))
				return
			}
			v.SetFloat(f)
		}
	case reflect.Interface:
		var x any
		if err := n.Decode(&x); err != nil {
			d.errAt(n, path, "%v", err)
			return
		}
		if x != nil {
			v.Set(reflect.ValueOf(x))
		}
	default:
		d.errAt(n, path, "cannot decode into %v", t)
	}
}

// parseNumber parses a finite number or a percentage (25% → 0.25).
func parseNumber(s string) (float64, bool) {
	div := 1.0
	if t, ok := strings.CutSuffix(strings.TrimSpace(s), "%"); ok {
		s, div = strings.TrimSpace(t), 100
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f / div, true
}

func (d *decoder) scalar(n *yaml.Node, path, want string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.errAt(n, path, "got %s, want %s", kindName(n), want)
		return "", false
	}
	return n.Value, true
}

func (d *decoder) duration(n *yaml.Node, path string) (time.Duration, bool) {
	s, ok := d.scalar(n, path, "a duration like 30s or 5m")
	if !ok {
		return 0, false
	}
	return d.parseDuration(n, path, s)
}

func (d *decoder) parseDuration(n *yaml.Node, path, s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return 0, true
	}
	dur, err := time.ParseDuration(s)
	if err != nil || dur < 0 {
		d.errAt(n, path, "got %s, want a duration like 30s, 5m or 1h30m (units ms, s, m, h)", yamlnode.Excerpt(s))
		return 0, false
	}
	return dur, true
}

func (d *decoder) dist(n *yaml.Node, v reflect.Value, path string) {
	var out models.Dist
	switch n.Kind {
	case yaml.MappingNode:
		var m struct {
			Mean   time.Duration `yaml:"mean"`
			StdDev time.Duration `yaml:"stddev"`
		}
		d.structure(n, reflect.ValueOf(&m).Elem(), path)
		out = models.Dist{Mean: m.Mean, StdDev: m.StdDev}
	default:
		s, ok := d.scalar(n, path, "a duration like 90s or a distribution like 90s ± 15s")
		if !ok {
			return
		}
		mean, sd, found := strings.Cut(s, "±")
		if !found {
			mean, sd, found = strings.Cut(s, "+-")
		}
		var ok1, ok2 = true, true
		out.Mean, ok1 = d.parseDuration(n, path, mean)
		if found {
			out.StdDev, ok2 = d.parseDuration(n, path, sd)
		}
		if !ok1 || !ok2 {
			return
		}
	}
	v.Set(reflect.ValueOf(out))
}

// entries calls f for each entry of mapping n, once per key: a key set
// twice is an error, reported and skipped. It reports whether n is a
// mapping; an empty section (null) is not an error and keeps its
// defaults.
func (d *decoder) entries(n *yaml.Node, path string, f func(key, val *yaml.Node, field string)) bool {
	if n.Kind != yaml.MappingNode {
		if n.Tag != "!!null" {
			d.errAt(n, path, "got %s, want a mapping", kindName(n))
		}
		return false
	}
	seen := map[string]bool{}
	for k := 0; k+1 < len(n.Content); k += 2 {
		key, val := n.Content[k], n.Content[k+1]
		field := join(path, key.Value)
		if seen[key.Value] {
			d.errAt(key, field, "set twice")
			continue
		}
		seen[key.Value] = true
		f(key, val, field)
	}
	return true
}

func (d *decoder) structure(n *yaml.Node, v reflect.Value, path string) {
	t := v.Type()
	names, index := structFields(t)
	d.entries(n, path, func(key, val *yaml.Node, field string) {
		i, ok := index[key.Value]
		if !ok {
			d.errAt(key, field, "unknown field%s (allowed: %s)", suggest(key.Value, names), strings.Join(names, ", "))
			return
		}
		d.pos[field] = [2]int{key.Line, key.Column}
		fv := v.Field(i)
		d.decode(val, fv, field)
		if kind := t.Field(i).Tag.Get("ref"); kind != "" {
			d.record(kind, val, fv, field)
		}
		id := t.Name() + "." + t.Field(i).Name
		if fv.Kind() == reflect.Pointer {
			if fv.IsNil() {
				return
			}
			fv = fv.Elem()
		}
		if ratioFields[id] && fv.CanFloat() {
			if f := fv.Float(); f < 0 || f > 1 {
				d.errAt(val, field, "got %v, want a fraction between 0 and 1 (or 0%%–100%%)", val.Value)
			}
		}
		if allowed, ok := enumFields[id]; ok && allowed != nil && fv.Kind() == reflect.String {
			if s := fv.String(); !slices.Contains(allowed, s) {
				d.errAt(val, field, "got %s (allowed: %s)", yamlnode.Excerpt(s), strings.Join(quoteAll(allowed), ", "))
			}
		}
	})
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		if x == "" {
			out[i] = `""`
		} else {
			out[i] = x
		}
	}
	return out
}

func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string) {
	t := v.Type()
	if t.Key().Kind() != reflect.String {
		d.errAt(n, path, "cannot decode keys of %v", t)
		return
	}
	if n.Kind == yaml.MappingNode && v.IsNil() {
		v.Set(reflect.MakeMap(t))
	}
	d.entries(n, path, func(key, val *yaml.Node, field string) {
		d.pos[field] = [2]int{key.Line, key.Column}
		e := reflect.New(t.Elem()).Elem()
		if old := v.MapIndex(reflect.ValueOf(key.Value)); old.IsValid() {
			e.Set(old)
		} else if t.Elem() == versionType {
			e.Set(reflect.ValueOf(models.DefaultVersion(key.Value)))
		}
		d.decode(val, e, field)
		v.SetMapIndex(reflect.ValueOf(key.Value).Convert(t.Key()), e)
	})
}

// suggest returns " (did you mean x?)" for a near miss.
func suggest(got string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if dd := editDistance(got, n); dd < bestD {
			best, bestD = n, dd
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %s?", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// inPercent says whether a float field is in percent units (0–100), as
// Elastic Beanstalk's and Argo's percentages and weights are: there 25%
// means 25, elsewhere (probabilities, fractions) 0.25.
func inPercent(path string) bool {
	last := path[strings.LastIndexAny(path, ".[")+1:]
	if strings.HasSuffix(path, "]") { // an item of a list: judge by the list
		last = parentPath(path)
		last = last[strings.LastIndexAny(last, ".")+1:]
	}
	return strings.Contains(last, "percent") || strings.Contains(last, "weight")
}
