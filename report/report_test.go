package report

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/deploysim/deploysim/scenarios"
)

// fixtures run each built-in scenario once per test binary.
var fixtures sync.Map

type fixture struct {
	sc  *scenarios.Scenario
	rep *scenarios.Report
}

func builtin(t testing.TB, name string) (*scenarios.Scenario, *scenarios.Report) {
	t.Helper()
	if f, ok := fixtures.Load(name); ok {
		return f.(fixture).sc, f.(fixture).rep
	}
	sc, rep := runBuiltin(t, name, 3)
	fixtures.Store(name, fixture{sc, rep})
	return sc, rep
}

func TestTableShowsMeanAndCI(t *testing.T) {
	_, rep := builtin(t, "healthy-release")
	var b bytes.Buffer
	if err := Table(&b, rep, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"healthy-release", "all-at-once", "blue-green", "±", "thresholds", "✓"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	if err := Table(&b, rep, TableOptions{Markdown: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "|---") && !strings.Contains(b.String(), "|:--") && !strings.Contains(b.String(), "--:|") {
		t.Errorf("markdown table has no separator row:\n%s", b.String())
	}
	if strings.Contains(b.String(), "\x1b[") {
		t.Error("markdown output contains colour escapes")
	}
}

func TestJUnit(t *testing.T) {
	_, rep := builtin(t, "healthy-release")
	// Make one threshold fail, as a regression would.
	bad := *rep
	bad.Results = append([]*scenarios.Summary(nil), rep.Results...)
	s := *bad.Results[0]
	s.Expect = append([]scenarios.Check(nil), s.Expect...)
	s.Expect[len(s.Expect)-1].OK = false
	bad.Results[0] = &s
	var b bytes.Buffer
	if err := JUnit(&b, []*scenarios.Report{&bad}); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("invalid XML: %v\n%s", err, b.String())
	}
	want := 0
	for _, r := range bad.Results {
		want += max(1, len(r.Expect))
	}
	if got.Tests != want || len(got.Suites) != 1 || len(got.Suites[0].Cases) != want {
		t.Fatalf("%d tests in %d suites, want %d in 1", got.Tests, len(got.Suites), want)
	}
	if got.Failures != 1 || got.Suites[0].Failures != 1 {
		t.Fatalf("%d failures, want the 1 failed threshold", got.Failures)
	}
}

// TestJUnitInterrupted: an interrupted experiment's suite says so in
// every way a CI system may read: complete=false and interrupted=true,
// an errored case "interrupted", and for a strategy cut short a failed
// case "completed" instead of thresholds on partial results; an
// experiment that never started gets its suite too.
func TestJUnitInterrupted(t *testing.T) {
	_, rep := builtin(t, "healthy-release")
	cut := *rep
	cut.Complete = false
	cut.Results = append([]*scenarios.Summary(nil), rep.Results...)
	s := *cut.Results[0]
	s.Runs = 1
	cut.Results[0] = &s
	notRun := &scenarios.Report{Scenario: "default", Seed: 1, Replications: 3}
	var b bytes.Buffer
	if err := JUnit(&b, []*scenarios.Report{&cut, notRun}); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("invalid XML: %v\n%s", err, b.String())
	}
	if len(got.Suites) != 2 {
		t.Fatalf("%d suites, want 2", len(got.Suites))
	}
	props := func(s junitSuite) map[string]string {
		m := map[string]string{}
		for _, p := range s.Properties {
			m[p.Name] = p.Value
		}
		return m
	}
	for i, want := range []string{"interrupted: ", "interrupted before this scenario ran"} {
		su := got.Suites[i]
		if p := props(su); p["complete"] != "false" || p["interrupted"] != "true" {
			t.Errorf("suite %s: properties %v, want complete=false and interrupted=true", su.Name, p)
		}
		if su.Errors != 1 || len(su.Cases) == 0 || su.Cases[0].Name != "interrupted" || su.Cases[0].Error == nil ||
			!strings.HasPrefix(su.Cases[0].Error.Message, want) {
			t.Errorf("suite %s: %d errors, first case %+v; want an errored case interrupted (%q…)", su.Name, su.Errors, su.Cases[0], want)
		}
	}
	class := "deploysim." + cut.Scenario + "." + s.Label
	var cases []junitCase
	for _, c := range got.Suites[0].Cases {
		if c.Classname == class {
			cases = append(cases, c)
		}
	}
	if len(cases) != 1 || cases[0].Name != "completed" || cases[0].Failure == nil || cases[0].Failure.Type != "interrupted" {
		t.Errorf("the strategy cut short: %+v, want one failed case completed", cases)
	}
	if got.Errors != 2 {
		t.Errorf("%d errors in all, want 2", got.Errors)
	}
}

// TestOpenMetricsSweepPoints: a sweep's grid points are told apart by a
// point label on every series, completeness included.
func TestOpenMetricsSweepPoints(t *testing.T) {
	_, rep := builtin(t, "healthy-release")
	a, b := *rep, *rep
	a.Point, b.Point = "world.instances=4", "world.instances=5"
	b.Complete = false
	var out bytes.Buffer
	if err := OpenMetrics(&out, []*scenarios.Report{&a, &b}, OpenMetricsOptions{Timeline: true}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`deploysim_complete{point="world.instances=4",scenario="healthy-release"} 1`,
		`deploysim_complete{point="world.instances=5",scenario="healthy-release"} 0`,
		`deploysim_runs{point="world.instances=5",scenario="healthy-release",strategy="rolling"}`,
		`deploysim_timeline_share{scenario="healthy-release",point="world.instances=4",strategy="rolling"`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("OpenMetrics output lacks %q", want)
		}
	}
}

func TestOpenMetrics(t *testing.T) {
	_, rep := builtin(t, "healthy-release")
	var b bytes.Buffer
	if err := OpenMetrics(&b, []*scenarios.Report{rep}, OpenMetricsOptions{Timeline: true}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.HasSuffix(out, "# EOF\n") {
		t.Fatal("OpenMetrics output does not end with # EOF")
	}
	for _, want := range []string{
		"# TYPE deploysim_metric gauge",
		`deploysim_metric{metric="downtime_s",scenario="healthy-release",stat="mean",strategy="all-at-once"}`,
		`deploysim_outcome_ratio{outcome="succeeded",scenario="healthy-release",strategy="rolling"} 1`,
		`deploysim_threshold_ok{`,
		"# TYPE deploysim_timeline_share gauge",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("OpenMetrics output lacks %q", want)
		}
	}
	// Timestamps rise within each series, as backfilling needs.
	last := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "deploysim_timeline_") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			t.Fatalf("timeline sample without a timestamp: %q", line)
		}
		series := f[0]
		ts, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			t.Fatalf("timestamp %q: %v", f[2], err)
		}
		if prev, ok := last[series]; ok && ts <= prev {
			t.Fatalf("timestamps of %s do not rise: %v then %v", series, prev, ts)
		}
		last[series] = ts
		n++
	}
	if n == 0 {
		t.Fatal("no timeline samples")
	}
}
