package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deploysim/deploysim/strategies"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

func reportJSON(t testing.TB, sc *Scenario, o Options) []byte {
	t.Helper()
	rep, err := sc.Run(context.Background(), o)
	if err != nil {
		t.Fatalf("scenario %s seed %d: %v", sc.Name, sc.Seed, err)
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// TestBuiltinGolden runs every built-in scenario with two replications and
// compares its JSON with testdata/golden (refresh with -update and review
// the diff).
func TestBuiltinGolden(t *testing.T) {
	for _, name := range BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sc, err := Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			if sc.Story == "" || sc.Lesson == "" || sc.Title == "" {
				t.Errorf("%s: every built-in scenario needs a title, a story and a lesson", name)
			}
			got := reportJSON(t, sc, Options{Replications: 2, Workers: 1})
			path := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s: JSON differs from %s (seed %d); run go test ./scenarios -update and review the diff", name, path, sc.Seed)
			}
		})
	}
}

// TestDeterministicAcrossWorkers: the same scenario and seed give
// byte-identical results on 1 and 2 workers.
func TestDeterministicAcrossWorkers(t *testing.T) {
	sc, err := Builtin(DefaultScenario)
	if err != nil {
		t.Fatal(err)
	}
	one := reportJSON(t, sc, Options{Replications: 4, Workers: 1})
	two := reportJSON(t, sc, Options{Replications: 4, Workers: 2})
	if !bytes.Equal(one, two) {
		t.Fatalf("scenario %s seed %d: results differ between 1 and 2 workers", sc.Name, sc.Seed)
	}
}

func TestInterruptedRunReportsWhatFinished(t *testing.T) {
	sc, err := Builtin(DefaultScenario)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rep, err := sc.Run(ctx, Options{Replications: 4, Workers: 1, Progress: func(done, _ int) {
		if done == 3 {
			cancel()
		}
	}})
	if err == nil || rep == nil || rep.Complete {
		t.Fatalf("want a partial report and ErrInterrupted, got %v, %+v", err, rep)
	}
	n := 0
	for _, r := range rep.Results {
		n += r.Runs
	}
	if n < 3 {
		t.Errorf("%d runs reported, want at least the 3 that finished before the cancel", n)
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"unknown field", "replicatons: 3\n", "x.yaml:1:1: replicatons: unknown field; did you mean replications?"},
		{"duration", "world:\n  dns: {ttl: 60}\n", "x.yaml:2:14: world.dns.ttl: got \"60\", want a duration"},
		{"percent range", "versions:\n  v2: {error_rate: 150%}\n", "x.yaml:2:20: versions.v2.error_rate: got 150%, want a fraction"},
		{"enum", "world:\n  lb: {algorithm: random}\n", "(allowed: round_robin, least_outstanding_requests)"},
		{"strategy", "strategies: [rollin]\n", "x.yaml:1:14: strategies[0].name: unknown strategy \"rollin\"; did you mean rolling?"},
		{"strategy field", "strategies:\n  - {name: rolling, batch_sise: 2}\n", "x.yaml:2:21: strategies[0].batch_sise: unknown field; did you mean batch_size?"},
		{"expect metric", "expect: [p95(downtime) < 30]\n", "x.yaml:1:10: expect[0]: \"p95(downtime) < 30\": unknown name downtime (at 1:5 of the expression); did you mean downtime_s?"},
		{"expect outcome", "expect: ['share(\"rollback\") == 1']\n", "share(\"rollback\"): unknown outcome"},
		{"expect type", "expect: [downtime_s < 30]\n", "mismatched types"},
		{"when", "faults:\n  - when: new_share > 0.5\n    dns_outage: {}\n", "x.yaml:2:5: faults[0].when: \"new_share > 0.5\": unknown name new_share"},
		{"fault kinds", "faults:\n  - at: 1m\n", "faults[0]: got 0 fault kinds"},
		{"fault version", "faults:\n  - errors: {version: v9, rate: 5%}\n", "faults[0].errors.version: unknown version \"v9\""},
		{"migration", "deployment: {migrations: [nope]}\n", "deployment.migrations[0]: unknown migration of world.db.migrations \"nope\""},
		{"migration suggestion", "world: {db: {migrations: [{name: add-col, kind: expand}]}}\ndeployment: {migrations: [add-cl]}\n",
			"x.yaml:2:27: deployment.migrations[0]: unknown migration of world.db.migrations \"add-cl\"; did you mean add-col? (allowed: add-col)"},
		// Every name a scenario refers to is resolved at load.
		{"rollback alarm", "alarms:\n  - {name: v2-errors, metric: error_rate, comparison: '>'}\nstrategies:\n  - {name: canary, rollback: {alarms: [v2-eror]}}\n",
			"x.yaml:4:40: strategies[0].rollback.alarms[0]: unknown alarm \"v2-eror\"; did you mean v2-errors? (allowed: v2-errors)"},
		{"rollback alarm none defined", "strategies:\n  - {name: canary, rollback: {alarms: [typo-alarm]}}\n",
			"x.yaml:2:40: strategies[0].rollback.alarms[0]: unknown alarm \"typo-alarm\": the scenario defines none (define it under alarms:)"},
		{"alarm version", "alarms:\n  - {name: a, metric: error_rate, version: v3}\n", "alarms[0].version: unknown version \"v3\"; did you mean v1?"},
		{"fault az", "faults:\n  - az_outage: {az: bb}\n", "x.yaml:2:17: faults[0].az_outage.az: unknown availability zone \"bb\"; did you mean b? (allowed: a, b, c)"},
		{"kill az", "faults:\n  - kill_instances: {az: z, count: 1}\n", "faults[0].kill_instances.az: unknown availability zone \"z\""},
		{"expect label", "strategies: [rolling, canary]\nexpect:\n  - {expr: 'runs > 0', strategies: [canry]}\n",
			"x.yaml:3:37: expect[0].strategies[0]: unknown strategy label \"canry\"; did you mean canary? (allowed: canary, rolling)"},
		{"deployment to", "versions:\n  v3: {error_rate: 5%}\ndeployment: {to: v4}\n",
			"deployment.to: unknown version \"v4\"; did you mean v3? (allowed: v3): not defined under versions:"},
		{"deployment flag", "versions:\n  v2: {flag: new-path, flag_error_rate: 5%}\ndeployment: {flag: new-pth}\nstrategies: [feature-toggle]\n",
			"x.yaml:3:14: deployment.flag: unknown feature flag \"new-pth\"; did you mean new-path? (allowed: new-path)"},
		{"toggle needs a flag", "strategies: [feature-toggle]\n", "strategies[0]: feature-toggle needs deployment.flag"},
		{"syntax", "world: [\n", "x.yaml:"},
		{"kind", "world: 3\n", "x.yaml:1:8: world: got \"3\", want a mapping"},
		{"twice", "seed: 1\nseed: 2\n", "x.yaml:2:1: seed: set twice"},
		{"alarm expression", "alarms:\n  - {name: a, expression: eror_rate > 0.05}\n", "x.yaml:2:15: alarms[0].expression: alarm \"a\": expression: \"eror_rate > 0.05\": unknown name eror_rate"},
		{"alarm metric", "alarms:\n  - {name: a, metric: errrors, comparison: '>'}\n", "alarms[0].metric: alarm \"a\": metric \"errrors\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tc.src))
			if err == nil {
				t.Fatalf("no error for %q", tc.src)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error\n  %v\nwant it to contain\n  %s", err, tc.want)
			}
		})
	}
}

func TestAllErrorsAtOnce(t *testing.T) {
	_, err := Parse("bad.yaml", mustRead(t, "testdata/bad.yaml"))
	le, ok := err.(*LoadError)
	if !ok {
		t.Fatalf("want *LoadError, got %v", err)
	}
	if len(le.Errs) < 10 {
		t.Errorf("got %d errors, want every problem of testdata/bad.yaml (≥ 10):\n%v", len(le.Errs), err)
	}
}

func TestTenLineScenarioWorks(t *testing.T) {
	sc, err := Parse("short.yaml", []byte("versions:\n  v2: {error_rate: 2%}\nreplications: 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Strategies) != 1 || sc.Strategies[0].Name != "rolling" {
		t.Fatalf("default strategies: %+v", sc.Strategies)
	}
	reportJSON(t, sc, Options{Workers: 1})
}

func TestSweepGrid(t *testing.T) {
	src := []byte("replications: 1\nworld: {instances: 4, traffic: {rate: 40}}\nstrategies: [rolling]\n")
	var ps []Param
	for _, s := range []string{"world.instances=4,6", "versions.v2.error_rate=0,5%", "strategies.rolling.batch_size=2"} {
		p, err := ParseSet(s)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	sw, err := NewSweep(context.Background(), "s.yaml", src, ps, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sw.Points) != 4 || sw.Points[3].Scenario.Config.Instances != 6 || sw.Points[3].Scenario.Versions["v2"].ErrorRate != 0.05 {
		t.Fatalf("grid: %+v", sw.Points)
	}
	if _, err := NewSweep(context.Background(), "s.yaml", src, []Param{{Path: "world.instances", Values: []string{"many"}}}, LoadOptions{}); err == nil {
		t.Error("bad --set value accepted")
	}
}

// TestSweepKeepsRunsOnlyWhenAsked: a sweep's points keep their statistics
// only, unless KeepRuns (each point's HTML report shows its sample run and
// every run's values); then the memory check counts what every point
// keeps, and refuses a budget that one point at a time would fit.
func TestSweepKeepsRunsOnlyWhenAsked(t *testing.T) {
	ctx := context.Background()
	src := []byte("replications: 2\nworld: {instances: 4, traffic: {rate: 40}}\nstrategies: [rolling]\n")
	p, err := ParseSet("world.instances=4,5")
	if err != nil {
		t.Fatal(err)
	}
	sw, err := NewSweep(ctx, "s.yaml", src, []Param{p}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, keep := range []bool{false, true} {
		rep, err := sw.Run(ctx, Options{Workers: 1, KeepRuns: keep})
		if err != nil {
			t.Fatal(err)
		}
		for _, pt := range rep.Points {
			s := pt.Results[0]
			if kept := s.Sample != nil && len(s.Values) == 2 && len(s.RunOutcomes) == 2; kept != keep {
				t.Errorf("KeepRuns %v, point %v: sample %v, %d values, %d outcomes", keep, pt.Set, s.Sample != nil, len(s.Values), len(s.RunOutcomes))
			}
		}
	}
	var budget int64
	for _, pt := range sw.Points {
		budget = max(budget, pt.Scenario.Estimate(Options{Workers: 1}).Total())
	}
	if _, err := sw.Run(ctx, Options{Workers: 1, MemoryBudget: budget}); err != nil {
		t.Fatalf("statistics only, budget %d: %v", budget, err)
	}
	_, err = sw.Run(ctx, Options{Workers: 1, MemoryBudget: budget, KeepRuns: true})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "keep every point's runs") {
		t.Fatalf("every point's runs kept, budget %d: %v", budget, err)
	}
}

func mustRead(t *testing.T, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzLoad: the loader never panics, and whatever it accepts has a world
// the simulator accepts.
func FuzzLoad(f *testing.F) {
	for _, n := range BuiltinNames() {
		src, _ := BuiltinSource(n)
		f.Add(src)
	}
	f.Add([]byte("expect: [p95(downtime_s) < 30]\nfaults: [{when: time_s > 1, dns_outage: }]\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("story: '{world.azs|count|words} {faults[0].at} {strategies.x.y} {load.utilisation} {[0]} {.} {world..a|s}'\nfaults: [{dns_outage: }]\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		sc, err := Parse("fuzz.yaml", src)
		if err != nil {
			return
		}
		if err := sc.Config.Validate(); err != nil {
			t.Fatalf("accepted a scenario whose world is invalid: %v", err)
		}
	})
}

func BenchmarkCompareDefault(b *testing.B) {
	sc, err := Builtin(DefaultScenario)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := sc.Run(context.Background(), Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMonteCarloWorkers measures the speed-up from 1 to 2 workers.
func BenchmarkMonteCarloWorkers(b *testing.B) {
	sc, err := Builtin(DefaultScenario)
	if err != nil {
		b.Fatal(err)
	}
	for _, w := range []int{1, 2} {
		b.Run(map[int]string{1: "workers=1", 2: "workers=2"}[w], func(b *testing.B) {
			runs := 0
			for b.Loop() {
				rep, err := sc.Run(context.Background(), Options{Workers: w, Replications: 8})
				if err != nil {
					b.Fatal(err)
				}
				runs += len(rep.Results) * rep.Replications
			}
			b.ReportMetric(float64(runs)/b.Elapsed().Seconds(), "runs/s")
		})
	}
}

// TestImportedAlarmResolved: an alarm an imported configuration watches
// must be defined by the scenario; the error points at the from_file.
func TestImportedAlarmResolved(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ecs.json"), mustRead(t, "importer/testdata/ecs-rolling.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "s.yaml")
	src := "strategies:\n  - from_file: {kind: ecs, path: ecs.json}\n"
	_, err := Parse(path, []byte(src))
	want := path + ":2:16: strategies[0].rollback.alarms[0]: unknown alarm \"web-5xx\""
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v\nwant it to contain %s", err, want)
	}
	if _, err := Parse(path, []byte("alarms: [{name: web-5xx, metric: error_rate, comparison: '>'}]\n"+src)); err != nil {
		t.Fatalf("with the alarm defined: %v", err)
	}
}

// TestSetupErrorIsAnError: a strategy the world refuses (here an alarm the
// world does not have, which the loader would have caught) makes the run
// an error naming what to fix, never a clean rollback.
func TestSetupErrorIsAnError(t *testing.T) {
	src := "replications: 2\nworld: {instances: 4, traffic: {rate: 40}}\nversions: {v2: {error_rate: 6%}}\n" +
		"alarms: [{name: v2-errors, metric: error_rate, version: $to, comparison: '>', threshold: 0.03}]\n" +
		"strategies: [{name: canary, rollback: {alarms: [v2-errors]}}]\n"
	sc, err := Parse("s.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	sc.Config.Alarms = nil // as if the loader had not resolved the name
	rep, err := sc.Run(context.Background(), Options{Workers: 1})
	if err == nil || !strings.Contains(err.Error(), "could not carry out the deployment") || !strings.Contains(err.Error(), "alarm v2-errors") {
		t.Fatalf("want an error naming the alarm, got %v, report %+v", err, rep)
	}
	if rep != nil {
		t.Errorf("a report came back with the error: %+v", rep)
	}
}

// TestReasonsKeepNames: runs are grouped by their trigger (kind and name)
// and the reason is the strategy's own words, so a user's alarm name
// (v2-errors) and measured values survive.
func TestReasonsKeepNames(t *testing.T) {
	sc, err := Builtin("bad-release-health-checks-miss")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := sc.Run(context.Background(), Options{Replications: 3, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Reason{
		"canary":  {Trigger: "alarm", Name: "v2-errors", Reason: "alarm v2-errors in ALARM", Runs: 3},
		"rolling": {Trigger: "human", Runs: 3},
	}
	for _, s := range rep.Results {
		w, ok := want[s.Label]
		if !ok {
			continue
		}
		if len(s.Reasons) != 1 {
			t.Fatalf("%s (seed %d): reasons %+v, want one group", s.Label, rep.Seed, s.Reasons)
		}
		got := s.Reasons[0]
		if w.Reason == "" {
			w.Reason = got.Reason
			if !strings.HasPrefix(got.Reason, "human: error rate ") || strings.Contains(got.Reason, "#") {
				t.Errorf("%s: reason %q, want the human's words with their numbers", s.Label, got.Reason)
			}
		}
		if got != w {
			t.Errorf("%s (seed %d): reason %+v, want %+v", s.Label, rep.Seed, got, w)
		}
	}
}

type panicking struct{}

func (panicking) Name() string { return "panicking" }
func (panicking) Run(strategies.Env) strategies.Result {
	panic("invariant broken: requests not conserved")
}

// TestPanicIsInternalError: a panic in a run is a bug, reported as an
// InternalError with what reproduces it (scenario, strategy, root seed,
// replication) and the stack, never as an ordinary error.
func TestPanicIsInternalError(t *testing.T) {
	sc, err := Parse("s.yaml", []byte("replications: 2\nseed: 7\nworld: {instances: 4, traffic: {rate: 40}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	sc.Strategies[0].spec.New = func(func(any) error) (strategies.Strategy, error) { return panicking{}, nil }
	_, err = sc.Run(context.Background(), Options{Workers: 1})
	var ie *InternalError
	if !errors.As(err, &ie) {
		t.Fatalf("want *InternalError, got %v", err)
	}
	if ie.Scenario != "s" || ie.Strategy != "rolling" || ie.RootSeed != 7 || ie.Replication != 0 ||
		ie.WorldSeed != ReplicationSeed(7, 0) || ie.Panic != "invariant broken: requests not conserved" || len(ie.Stack) == 0 {
		t.Errorf("internal error lacks what reproduces it: %+v\n%s", ie, ie.Stack)
	}
}

// TestTriggerKindsDocumented: every trigger kind a reasons entry can carry
// is explained in docs/json-output.md.
func TestTriggerKindsDocumented(t *testing.T) {
	doc := string(mustRead(t, "../docs/json-output.md"))
	for _, k := range strategies.TriggerKinds {
		if k == strategies.TriggerError {
			continue // never in a report: the run is an error
		}
		if !strings.Contains(doc, "`"+k.String()+"`") {
			t.Errorf("docs/json-output.md does not explain the trigger kind %s", k)
		}
	}
}
