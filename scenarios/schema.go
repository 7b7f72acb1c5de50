package scenarios

import (
	"reflect"

	"github.com/deploysim/deploysim/strategies"
)

// JSONSchema returns the JSON Schema (draft 2020-12) of scenario files,
// generated from the same types and names the loader uses, so the two
// cannot drift apart. Strategy blocks are described per strategy from the
// catalogue's config types.
func JSONSchema() map[string]any {
	s := schemaOf(reflect.TypeFor[File](), "")
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = "https://deploysim.dev/schema/scenario.json"
	s["title"] = "deploysim scenario"
	return s
}

const durationPattern = `^(0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$`

var sectionDocs = map[string]string{
	"name":         "identifies the scenario in output (default: the file's base name)",
	"seed":         "root seed of the experiment (default 1)",
	"replications": "replications per strategy (default 20)",
	"time_limit":   "bounds each strategy's run (default 2h)",
	"world":        "the simulated environment: fleet, Auto Scaling, load balancer, DNS, database, traffic",
	"versions":     "application versions by name; each starts from a healthy version's defaults",
	"deployment":   "the release: from, to, when, migrations, flag",
	"alarms":       "CloudWatch-style alarms strategies can watch by name",
	"strategies":   "the strategies to compare: a name, or {name: ..., label: ..., <config fields>}",
	"faults":       "the chaos schedule: one fault kind per entry, at: a time or when: an expression",
	"slo":          "how availability and downtime are judged",
	"expect":       "thresholds: expr-lang expressions over summary statistics, e.g. p95(downtime_s) < 30",
}

func schemaOf(t reflect.Type, id string) map[string]any {
	switch t {
	case durationType:
		return map[string]any{"type": "string", "pattern": durationPattern, "description": "a duration: 30s, 5m, 1h30m"}
	case distType:
		return map[string]any{"oneOf": []any{
			map[string]any{"type": "string", "description": "a duration, or mean ± stddev: 90s ± 15s"},
			map[string]any{"type": "object", "additionalProperties": false, "properties": map[string]any{
				"mean": schemaOf(durationType, ""), "stddev": schemaOf(durationType, ""),
			}},
		}}
	case reflect.TypeFor[StrategyBlock]():
		return strategySchema()
	case reflect.TypeFor[Expect]():
		return map[string]any{"oneOf": []any{
			map[string]any{"type": "string"},
			map[string]any{"type": "object", "additionalProperties": false, "required": []any{"expr"},
				"properties": map[string]any{
					"expr":       map[string]any{"type": "string"},
					"strategies": map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
				}},
		}}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem(), id)
	case reflect.Struct:
		props := map[string]any{}
		names, index := structFields(t)
		for _, n := range names {
			f := t.Field(index[n])
			fs := schemaOf(f.Type, t.Name()+"."+f.Name)
			if doc, ok := sectionDocs[n]; ok && t == reflect.TypeFor[File]() {
				fs["description"] = doc
			}
			props[n] = fs
		}
		return map[string]any{"type": "object", "additionalProperties": false, "properties": props}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), id)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), id)}
	case reflect.String:
		s := map[string]any{"type": "string"}
		if e, ok := enumFields[id]; ok {
			s["enum"] = e
		}
		return s
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer", "minimum": 0}
	case reflect.Float32, reflect.Float64:
		pct := map[string]any{"type": "string", "pattern": `^-?[0-9.]+\s*%$`}
		if ratioFields[id] {
			return map[string]any{"oneOf": []any{
				map[string]any{"type": "number", "minimum": 0, "maximum": 1}, pct,
			}, "description": "a fraction: 0.05 or 5%"}
		}
		return map[string]any{"oneOf": []any{map[string]any{"type": "number"}, pct}}
	}
	return map[string]any{}
}

// strategySchema describes strategy blocks: a bare name, or a mapping
// whose fields are the named strategy's config (found by letting the
// constructor hand us its config type).
func strategySchema() map[string]any {
	names := StrategyNames()
	variants := []any{map[string]any{"type": "string", "enum": names}}
	for _, sp := range append(strategies.Catalog(), strategies.Vocabulary()...) {
		obj := map[string]any{"type": "object"}
		props := map[string]any{
			"name":  map[string]any{"const": sp.Name},
			"label": map[string]any{"type": "string"},
		}
		var cfgType reflect.Type
		_, _ = sp.New(func(cfg any) error {
			cfgType = reflect.TypeOf(cfg)
			return nil
		})
		if cfgType != nil && cfgType.Kind() == reflect.Pointer && cfgType.Elem().Kind() == reflect.Struct {
			inner := schemaOf(cfgType.Elem(), "")
			for k, v := range inner["properties"].(map[string]any) {
				props[k] = v
			}
			obj["additionalProperties"] = false
		}
		obj["properties"] = props
		obj["required"] = []any{"name"}
		variants = append(variants, obj)
	}
	return map[string]any{"oneOf": variants}
}

// MetricDocs explains each metric of models.MetricNames in one line
// (docs/metrics.md has the full definitions).
var MetricDocs = map[string]string{
	"deploy_duration_s":     "deployment start to the strategy's end (success or rollback complete), s",
	"downtime_s":            "time the success ratio over slo.window was below slo.availability_floor, s",
	"availability":          "successful / all requests from the deployment start until the world is quiet",
	"failed_requests":       "failed requests (every cause)",
	"error_budget_burn":     "failed / (all × (1 − slo.target)): 1 = the whole budget",
	"blast_radius_users":    "share of active users who saw at least one failed request",
	"blast_radius_requests": "share of requests that failed",
	"exposure":              "share of requests served by the new version before the rollback decision",
	"detection_s":           "start of the problem (first new-version answer or fault in effect) to the rollback trigger, s",
	"rollback_s":            "rollback trigger to users served again: no new-version traffic, SLO window at the floor, baseline capacity, s",
	"time_to_recover_s":     "detection_s + rollback_s",
	"capacity_floor":        "minimum healthy serving capacity / baseline capacity",
	"peak_instances":        "most instances alive at once",
	"extra_instance_hours":  "instance-hours above the baseline fleet (the cost of extra capacity)",
	"latency_p50_ms":        "median request latency, ms",
	"latency_p99_ms":        "99th percentile request latency, ms",
	"worst_window_p99_ms":   "worst p99 latency of any SLO window, ms",
	"mixed_versions_s":      "time both versions answered requests, s",
	"data_errors":           "writes made by code incompatible with the schema (and writes lost by reverts)",

	// The parts of deploy_duration_s.
	"deploy_active_s":           "the part of deploy_duration_s spent changing the world or waiting for a change to take effect, s",
	"deploy_waiting_s":          "the part of deploy_duration_s held on purpose: pauses, bakes, approvals, analysis intervals, s",
	"deploy_termination_wait_s": "the part of deploy_duration_s the old fleet was kept alive after the switch, s",
}
