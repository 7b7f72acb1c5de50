package scenarios

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// numberClaim finds a number a text states itself: a token that starts
// with a digit (10, 30-minute, 5m; not v2 or bake-5m, which are names),
// a number word, or "one" before a unit ("one minute"; "the old one" is a
// pronoun).
var numberClaim = regexp.MustCompile(`(?i)(^|[^A-Za-z0-9_.-])[0-9]|(^|[^A-Za-z-])(zero|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|hundred|thousand|half|third|quarter|dozen|twice|double|triple)($|[^A-Za-z-])|(^|[^A-Za-z-])one\s+(second|minute|hour|day|instance|zone|request|user|batch|step|percent)`)

// productNames hold digits that are no claim about the scenario.
var productNames = strings.NewReplacer("Route 53", "Route", "EC2", "EC")

// TestStoriesStateNumbersByReference: every number a built-in scenario's
// title, story or lesson states comes from the file through a placeholder
// (story.go), so the words cannot disagree with the world. The default
// story told of ten instances at 80 requests/s while its world had 8 at 60.
func TestStoriesStateNumbersByReference(t *testing.T) {
	for _, name := range BuiltinNames() {
		src, err := BuiltinSource(name)
		if err != nil {
			t.Fatal(err)
		}
		var raw struct{ Title, Story, Lesson string }
		if err := yaml.Unmarshal(src, &raw); err != nil {
			t.Fatal(err)
		}
		sc, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []struct{ field, raw, told string }{
			{"title", raw.Title, sc.Title}, {"story", raw.Story, sc.Story}, {"lesson", raw.Lesson, sc.Lesson},
		} {
			bare := productNames.Replace(placeholder.ReplaceAllString(f.raw, ""))
			if m := numberClaim.FindString(bare); m != "" {
				at := strings.Index(bare, m)
				t.Errorf("%s %s states a number itself (%q in …%s…): write it as a placeholder of the field it comes from",
					name, f.field, strings.TrimSpace(m), bare[max(0, at-30):min(len(bare), at+30)])
			}
			if strings.ContainsAny(f.told, "{}") {
				t.Errorf("%s %s: unresolved placeholder in %q", name, f.field, f.told)
			}
		}
	}
	sc, err := Builtin(DefaultScenario)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sc.Story, "Eight instances behind an ALB serve 60 requests/s") || !strings.Contains(sc.Story, "6 %") {
		t.Errorf("default story: %s", sc.Story)
	}
}

// TestStoryPlaceholders: values are written as people write them, and a
// wrong path or format is a load error at the field, with a suggestion.
func TestStoryPlaceholders(t *testing.T) {
	src := `world: {instances: 12, azs: [a, b, c], dns: {ttl: 60s}, traffic: {rate: 100}}
versions: {v2: {error_rate: 6%, boot_time: 8m ± 1m}}
strategies: [{name: rolling, batch_size: 25}, {name: canary, label: slow, rollback: {bake_time: 45m}}]
faults: [{at: 2m, for: 1h30m, traffic_spike: {multiplier: 1.4}}]
`
	for _, tc := range []struct{ story, want string }{
		{"{world.instances}", "12"},
		{"{world.instances|Words}", "Twelve"},
		{"{world.azs|count|words} zones", "three zones"},
		{"{versions.v2.error_rate}", "6 %"},
		{"{versions.v2.boot_time}", "8 minutes"},
		{"{world.dns.ttl|s}", "60 s"},
		{"{world.dns.ttl}", "1 minute"},
		{"{faults[0].at|Words} in", "Two minutes in"},
		{"{faults[0].for}", "90 minutes"},
		{"{faults[0].traffic_spike.multiplier|increase}", "40 %"},
		{"{strategies.slow.rollback.bake_time}", "45 minutes"},
		{"{strategies[0].batch_size} %", "25 %"},
		{"{strategies|count}", "2"},
		{"{load.utilisation}", "2 %"}, // 100/s × 63.5 ms / (12 × 32)
	} {
		sc, err := Parse("x.yaml", []byte(src+"story: '"+tc.story+"'\n"))
		if err != nil {
			t.Errorf("%s: %v", tc.story, err)
			continue
		}
		if sc.Story != tc.want {
			t.Errorf("%s: told %q, want %q", tc.story, sc.Story, tc.want)
		}
	}
	for _, tc := range []struct{ story, want string }{
		{"{world.instance}", `x.yaml:5:1: story: {world.instance}: unknown field of world "instance"; did you mean instances?`},
		{"{versions.v3.error_rate}", `unknown key of versions "v3"; did you mean v1? (allowed: v1, v2)`},
		{"{faults[3].for}", "faults has no item [3] (1 items)"},
		{"{world.instances|roman}", `format "roman" (allowed: words, Words, count, s, increase)`},
		{"{world.dns.ttl|count}", "count: world.dns.ttl is not a list or mapping"},
		{"{versions.v2}", "versions.v2 is a section, not a value"},
		{"{strategies[0].x}", `unknown key of strategies[0] "x" (allowed: batch_size)`},
	} {
		_, err := Parse("x.yaml", []byte(src+"story: '"+tc.story+"'\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %s", tc.story, err, tc.want)
		}
	}
}

// TestStoryDocExample: the example of docs/scenario-reference.md reads as
// the doc says, in the default scenario's world with an AZ outage.
func TestStoryDocExample(t *testing.T) {
	b, err := os.ReadFile("../docs/scenario-reference.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	_, block, _ := strings.Cut(doc, "```yaml\nstory: |\n")
	block, _, _ = strings.Cut(block, "```")
	_, reads, _ := strings.Cut(doc, "\nreads \"")
	reads, _, _ = strings.Cut(reads, ".\"")
	if block == "" || reads == "" {
		t.Fatal("docs/scenario-reference.md has no story example")
	}
	src := "world: {instances: 8, traffic: {rate: 60}}\nversions: {v2: {error_rate: 6%}}\n" +
		"faults: [{at: 2m, for: 10m, az_outage: {az: b}}]\nstory: |\n" + block
	sc, err := Parse("x.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(strings.Fields(sc.Story), " "), strings.Join(strings.Fields(reads+"."), " "); got != want {
		t.Errorf("the example reads\n  %s\nthe doc says\n  %s", got, want)
	}
}
