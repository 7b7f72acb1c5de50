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
