package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// switchBack is the scenario of the timeline example in
// docs/json-output.md: blue/green switches back onto a blue that fails on
// the migrated schema.
const switchBack = `
replications: 3
world:
  instances: 8
  traffic: {rate: 80, users: 3000}
  db:
    migrations:
      - {name: rename-column, kind: breaking, duration: 30s}
versions:
  v2: {error_rate: 10%}
alarms:
  - {name: v2-errors, metric: error_rate, version: $to, comparison: ">", threshold: 0.03, period: 1m, evaluation_periods: 2}
deployment: {settle_max: 8m}
strategies:
  - {name: blue-green, label: no-revert, rollback: {alarms: [v2-errors], revert_migrations: false}}
`

// docExample returns the JSON example of a section of docs/json-output.md,
// wrapped into an object when it is a "key": value fragment.
func docExample(t *testing.T, section string) any {
	t.Helper()
	b, err := os.ReadFile("../../docs/json-output.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i := strings.Index(doc, section)
	if i < 0 {
		t.Fatalf("docs/json-output.md has no section %q", section)
	}
	doc = doc[i:]
	start := strings.Index(doc, "```json\n") + len("```json\n")
	end := strings.Index(doc[start:], "```")
	src := strings.TrimSpace(doc[start : start+end])
	if strings.HasPrefix(src, `"`) {
		src = "{" + src + "}"
	}
	var v any
	if err := json.Unmarshal([]byte(src), &v); err != nil {
		t.Fatalf("docs/json-output.md %s example: %v", section, err)
	}
	return v
}

// sameShape reports where doc and real differ in shape: the same keys in
// every object, arrays whose elements have the same shape, the same kind
// of scalar (null stands for a number that does not apply).
func sameShape(path string, doc, real any) []string {
	switch d := doc.(type) {
	case map[string]any:
		r, ok := real.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: an object in the docs, %T in the output", path, real)}
		}
		var diffs []string
		for _, k := range unionKeys(d, r) {
			dv, dok := d[k]
			rv, rok := r[k]
			switch {
			case !dok:
				diffs = append(diffs, path+"."+k+": in the output, not in the docs")
			case !rok:
				diffs = append(diffs, path+"."+k+": in the docs, not in the output")
			default:
				diffs = append(diffs, sameShape(path+"."+k, dv, rv)...)
			}
		}
		return diffs
	case []any:
		r, ok := real.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: an array in the docs, %T in the output", path, real)}
		}
		if len(d) == 0 || len(r) == 0 {
			return nil
		}
		return sameShape(path+"[]", d[0], r[0])
	case nil:
		if _, ok := real.(string); ok {
			return []string{path + ": null in the docs, a string in the output"}
		}
		return nil
	default:
		if real != nil && fmt.Sprintf("%T", real) != fmt.Sprintf("%T", doc) {
			return []string{fmt.Sprintf("%s: %T in the docs, %T in the output", path, doc, real)}
		}
		return nil
	}
}

func unionKeys(a, b map[string]any) []string {
	var ks []string
	for k := range a {
		ks = append(ks, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

func TestTimelineJSONMatchesTheDocs(t *testing.T) {
	file := write(t, "switch-back.yaml", switchBack)
	out, stderr, code := deploysim(t, "run", file, "--format", "json", "--timeline", "--workers", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Results []struct {
			Timeline map[string]any `json:"timeline"`
			CutOff   map[string]any `json:"cut_off"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 1 || rep.Results[0].Timeline == nil {
		t.Fatalf("no timeline in the output:\n%.2000s", out)
	}
	real := map[string]any{"timeline": any(rep.Results[0].Timeline)}
	for _, d := range sameShape("", docExample(t, "## Timeline"), real) {
		t.Error(d)
	}

	// Every series of the first replication has one entry per bucket;
	// every band one per bucket and quantile.
	tl := rep.Results[0].Timeline
	first, bands := tl["first"].(map[string]any), tl["bands"].(map[string]any)
	n := len(first["t_s"].([]any))
	for k, v := range first {
		if a, ok := v.([]any); ok && k != "marks" && len(a) != n {
			t.Errorf("first.%s has %d entries, t_s %d", k, len(a), n)
		}
	}
	for name, series := range first["by_version"].(map[string]any) {
		for k, v := range series.(map[string]any) {
			if len(v.([]any)) != n {
				t.Errorf("first.by_version.%s.%s has %d entries, t_s %d", name, k, len(v.([]any)), n)
			}
		}
	}
	nb := len(bands["t_s"].([]any))
	for _, k := range []string{"healthy", "success_ratio"} {
		q := bands[k].([]any)
		if len(q) != 3 || len(q[0].([]any)) != nb {
			t.Errorf("bands.%s: %d quantiles of %d buckets, want 3 of %d", k, len(q), len(q[0].([]any)), nb)
		}
	}
	if len(bands["end_at_s"].([]any)) != 3 {
		t.Errorf("bands.end_at_s: %v, want one per replication", bands["end_at_s"])
	}
	if rep.Results[0].CutOff == nil {
		t.Error("no cut_off although users stayed broken past the 8m cap")
	}

	// The table says when the cap cut runs short.
	table, _, _ := deploysim(t, "run", file, "--workers", "1")
	if !strings.Contains(table, "note: no-revert: the measurement cap (deployment.settle_max, 8m after the strategy's end) cut off 3 of 3 runs") {
		t.Errorf("table without the cut-off note:\n%s", table)
	}
	if _, stderr, code := deploysim(t, "run", file, "--timeline"); code != 2 || !strings.Contains(stderr, "--timeline needs --format json") {
		t.Errorf("--timeline with a table: exit %d, %q; want 2", code, stderr)
	}
}
