package scenarios

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A scenario refers to its own parts by name: strategies watch alarms,
// faults and alarms name versions and zones, thresholds name strategy
// labels, the release names its migrations and feature flag. Every such
// name is resolved at load, so that a typo is an error with its line and
// a suggestion, never a run that silently watches nothing.
//
// Strategy configurations are decoded by the strategies' own types, which
// the loader does not know; a field that holds names of the scenario says
// so with a struct tag, e.g. `yaml:"alarms" ref:"alarm"`, and the decoder
// records every name it decodes into such a field with its position.

// reference is one name written in a field tagged ref.
type reference struct {
	kind, name, field string
	line, col         int
}

// record notes the names decoded into v (a string or a list of them) from
// n, a field tagged ref:"kind".
func (d *decoder) record(kind string, n *yaml.Node, v reflect.Value, field string) {
	n = resolve(n)
	if n == nil {
		return
	}
	add := func(name string, at *yaml.Node, f string) {
		for _, r := range d.refs {
			if r.field == f && r.name == name {
				return // the same block decoded again
			}
		}
		d.refs = append(d.refs, reference{kind: kind, name: name, field: f, line: at.Line, col: at.Column})
	}
	switch {
	case v.Kind() == reflect.String:
		add(v.String(), n, field)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String && n.Kind == yaml.SequenceNode:
		for i := range min(v.Len(), len(n.Content)) {
			add(v.Index(i).String(), resolve(n.Content[i]), fmt.Sprintf("%s[%d]", field, i))
		}
	}
}

// unknown formats "got X" for a name that is not one of names, with a
// suggestion when one is close.
func unknown(what, got string, names []string) string {
	if len(names) == 0 {
		return fmt.Sprintf("unknown %s %q: the scenario defines none", what, got)
	}
	return fmt.Sprintf("unknown %s %q%s (allowed: %s)", what, got, suggest(got, names), strings.Join(names, ", "))
}

// checkRefs resolves the names strategies' configurations refer to, and
// those of the release (its versions and feature flag).
func (sc *Scenario) checkRefs(d *decoder) {
	var alarms []string
	for _, a := range sc.Config.Alarms {
		alarms = append(alarms, a.Name)
	}
	for _, r := range d.refs {
		switch r.kind {
		case "alarm":
			if !slices.Contains(alarms, r.name) {
				msg := unknown("alarm", r.name, alarms)
				if len(alarms) == 0 {
					msg += " (define it under alarms:)"
				}
				d.errs = append(d.errs, FieldError{File: d.file, Line: r.line, Col: r.col, Field: r.field, Msg: msg})
			}
		default:
			panic("scenarios: unknown reference kind " + r.kind)
		}
	}
	sc.checkReleaseRefs(d)
}

// checkReleaseRefs: when the file defines versions, the release's from and
// to must be among them (an undefined one would silently be a healthy
// default); a feature flag must be one the new version reads; a feature
// toggle needs a flag.
func (sc *Scenario) checkReleaseRefs(d *decoder) {
	f := &sc.File
	if len(sc.defined) > 0 {
		for _, x := range []struct{ field, v, def string }{
			{"deployment.from", f.Deployment.From, "v1"}, {"deployment.to", f.Deployment.To, "v2"},
		} {
			if x.v != x.def && !slices.Contains(sc.defined, x.v) {
				d.errField(x.field, "%s: not defined under versions:", unknown("version", x.v, sc.defined))
			}
		}
	}
	if flag := f.Deployment.Flag; flag != "" {
		var read []string
		for _, n := range slices.Sorted(maps.Keys(f.Versions)) {
			if v := f.Versions[n]; v.Flag != "" && !slices.Contains(read, v.Flag) {
				read = append(read, v.Flag)
			}
		}
		if to := f.Versions[f.Deployment.To]; to.Flag != flag {
			msg := unknown("feature flag", flag, read)
			if len(read) == 0 {
				msg = fmt.Sprintf("feature flag %q: no version reads it", flag)
			}
			d.errField("deployment.flag", "%s; set versions.%s.flag to the flag that guards the new code path", msg, f.Deployment.To)
		}
	}
	for i, b := range f.Strategies {
		if b.Name == "feature-toggle" && f.Deployment.Flag == "" {
			d.errField(fmt.Sprintf("strategies[%d]", i), "feature-toggle needs deployment.flag (the flag versions.%s.flag reads)", f.Deployment.To)
		}
	}
}
