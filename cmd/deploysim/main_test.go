package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/deploysim/deploysim/scenarios"
)

var binary string

// TestMain builds the real binary: the CLI is tested as users run it.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "deploysim-test")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "deploysim")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func deploysim(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

func write(t *testing.T, name, src string) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExitCodes(t *testing.T) {
	bad := write(t, "bad.yaml", "replicatons: 3\nworld: {dns: {ttl: 60}}\n")
	failing := write(t, "fail.yaml", "replications: 2\nworld: {instances: 4, traffic: {rate: 40}}\nstrategies: [all-at-once]\nexpect: [mean(downtime_s) < 0]\n")
	typo := write(t, "typo.yaml", "alarms: [{name: v2-errors, metric: error_rate, version: $to, comparison: '>', threshold: 0.03}]\n"+
		"strategies:\n  - {name: canary, rollback: {alarms: [v2-eror]}}\n")
	passing := write(t, "ok.yaml", "replications: 2\nworld: {instances: 4, traffic: {rate: 40}}\nstrategies: [all-at-once]\nexpect: ['share(\"succeeded\") >= 0']\n")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"validate bad", []string{"validate", bad}, 2, "", "bad.yaml:1:1: replicatons: unknown field"},
		{"validate bad all errors", []string{"validate", bad}, 2, "", "bad.yaml:2:20: world.dns.ttl"},
		{"run bad", []string{"run", bad}, 2, "", "bad.yaml:1:1:"},
		{"validate builtin", []string{"validate", "default"}, 0, "default: ok", ""},
		{"validate unknown alarm", []string{"validate", typo}, 2, "", "typo.yaml:3:40: strategies[0].rollback.alarms[0]: unknown alarm \"v2-eror\"; did you mean v2-errors?"},
		{"run unknown alarm", []string{"run", typo}, 2, "", "unknown alarm \"v2-eror\""},
		{"thresholds fail", []string{"run", failing}, 99, "✗ mean(downtime_s) < 0", ""},
		{"thresholds pass", []string{"run", passing}, 0, "✓ share(\"succeeded\") >= 0", ""},
		{"unknown flag", []string{"run", passing, "--frobnicate"}, 2, "", "unknown flag"},
		{"bad format", []string{"run", passing, "--format", "xml"}, 2, "", "allowed: table, markdown, json"},
		{"missing file", []string{"run", "nope.yaml"}, 2, "", "nope.yaml"},
		{"report needs .html", []string{"run", passing, "--report", "r.txt"}, 2, "", "must end in .html"},
		{"timeline needs openmetrics", []string{"run", passing, "--openmetrics-timeline"}, 2, "", "needs --openmetrics"},
		{"import predefined", []string{"import", "codedeploy", "CodeDeployDefault.HalfAtATime"}, 0, "name: rolling", ""},
		{"import argo", []string{"import", "argo-rollout", "../../scenarios/importer/testdata/argo-canary.yaml"}, 0, "set_weight: 10", "warning:"},
		{"import invalid", []string{"import", "eb", "../../scenarios/importer/testdata/eb-bad-batch.config"}, 2, "", "eb-bad-batch.config:5:16"},
		{"import unknown kind", []string{"import", "helm", "x.yaml"}, 2, "", "allowed: eb, codedeploy"},
		{"list metrics", []string{"list", "metrics"}, 0, "downtime_s", ""},
		{"list strategies", []string{"list", "strategies"}, 0, "blue-green", ""},
		{"list scenarios", []string{"list", "scenarios"}, 0, "leak-after-30m", ""},
		{"list faults", []string{"list", "faults"}, 0, "az_outage", ""},
		{"explain", []string{"explain", "rolling"}, 0, "rolling", ""},
		{"explain unknown", []string{"explain", "yolo"}, 2, "", "not a strategy"},
		{"sweep", []string{"sweep", passing, "--set", "world.instances=4,5", "--replications", "1"}, 0, "world.instances", ""},
		{"sweep bad set", []string{"sweep", passing, "--set", "world.instances"}, 2, "", "want PATH=V1,V2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := deploysim(t, tc.args...)
			if code != tc.code {
				t.Errorf("deploysim %v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", tc.args, code, tc.code, out, errOut)
			}
			if !strings.Contains(out, tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, out)
			}
			if !strings.Contains(errOut, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, errOut)
			}
		})
	}
}

func TestJSONDocument(t *testing.T) {
	out, errOut, code := deploysim(t, "compare", "--format", "json", "--replications", "2", "--workers", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Scenario     string `json:"scenario"`
		Seed         uint64 `json:"seed"`
		Replications int    `json:"replications"`
		// The one recommendation of the experiment, top-level.
		Recommendation *struct {
			Strategy  string   `json:"strategy"`
			Reason    string   `json:"reason"`
			RunnersUp []string `json:"runners_up"`
		} `json:"recommendation"`
		Results []struct {
			Strategy string                    `json:"strategy"`
			Config   map[string]any            `json:"config"`
			Metrics  map[string]map[string]any `json:"metrics"`
			Outcomes map[string]float64        `json:"outcomes"`
			Expect   []map[string]any          `json:"expect"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not one JSON document: %v\n%s", err, out)
	}
	if doc.Scenario != "default" || doc.Replications != 2 || len(doc.Results) == 0 {
		t.Fatalf("document: %+v", doc)
	}
	if r := doc.Recommendation; r == nil || r.Strategy == "" || r.Reason == "" || r.RunnersUp == nil {
		t.Errorf("recommendation: %+v", doc.Recommendation)
	}
	for _, k := range []string{"mean", "stddev", "p50", "p95", "ci95"} {
		if _, ok := doc.Results[0].Metrics["downtime_s"][k]; !ok {
			t.Errorf("downtime_s lacks %s", k)
		}
	}
	if len(doc.Results[0].Outcomes) != 4 {
		t.Errorf("outcomes: %v", doc.Results[0].Outcomes)
	}
	// The same document on one worker, written to a file atomically.
	file := filepath.Join(t.TempDir(), "out.json")
	if _, e, code := deploysim(t, "compare", "--format", "json", "--replications", "2", "--workers", "1", "-o", file); code != 0 {
		t.Fatal(e)
	}
	if b, _ := os.ReadFile(file); string(b) != out {
		t.Error("JSON differs between 1 and 2 workers")
	}
}

func TestSchemaIsJSON(t *testing.T) {
	out, _, code := deploysim(t, "schema")
	var s map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &s) != nil || s["properties"] == nil {
		t.Fatalf("schema: exit %d\n%.300s", code, out)
	}
}

// TestArtifacts: --report, --junit and --openmetrics write their files
// (readable, complete) next to the normal output.
func TestArtifacts(t *testing.T) {
	dir := t.TempDir()
	src := write(t, "ok.yaml", "replications: 2\nworld: {instances: 4, traffic: {rate: 40}}\nstrategies: [all-at-once, rolling]\nexpect: ['share(\"succeeded\") >= 0']\n")
	html, junit, om := filepath.Join(dir, "r.html"), filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.om")
	_, errOut, code := deploysim(t, "run", src, "--report", html, "--junit", junit, "--openmetrics", om)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for path, want := range map[string]string{html: "</html>", junit: "</testsuites>", om: "# EOF"} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %q", path, want)
		}
		if st, _ := os.Stat(path); st.Mode().Perm()&0o044 == 0 {
			t.Errorf("%s is not readable by others: %v", path, st.Mode())
		}
	}
	if !strings.Contains(errOut, "report: "+html) {
		t.Errorf("stderr does not name the report: %s", errOut)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Errorf("%d files in the output directory, want 3 (no temp files left)", len(entries))
	}
}

// TestServe runs `deploysim serve` as users do: it prints where it listens,
// serves /metrics while the run goes on, and with --exit stops when the run
// is over.
func TestServe(t *testing.T) {
	cmd := exec.Command(binary, "serve", "default", "--strategy", "canary", "--speed", "2000", "--addr", "127.0.0.1:0", "--exit")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stderr)
	var url string
	for sc.Scan() {
		if i := strings.Index(sc.Text(), "http://"); i >= 0 {
			url = strings.Fields(sc.Text()[i:])[0]
			break
		}
	}
	if url == "" {
		t.Fatal("serve did not say where it listens")
	}
	// The first snapshot arrives once the world has started.
	var body []byte
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), "deploysim_requests_total") {
			break
		}
	}
	if !strings.Contains(string(body), "deploysim_requests_total") || !strings.Contains(string(body), "deploysim_simulated_seconds") {
		t.Fatalf("/metrics:\n%s", body)
	}
	var rest strings.Builder
	for sc.Scan() {
		rest.WriteString(sc.Text() + "\n")
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve --exit: %v\n%s", err, rest.String())
	}
	if !strings.Contains(rest.String(), "run finished") {
		t.Fatalf("serve did not report the end of the run:\n%s", rest.String())
	}
}

// TestFromFile: a scenario imports a strategy from the config file a team
// already runs, relative to the scenario, and runs it.
func TestFromFile(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("../../scenarios/importer/testdata/k8s-rolling.yaml")
	if err != nil {
		t.Skip("no k8s test manifest:", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "deployment.yaml"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	scen := filepath.Join(dir, "s.yaml")
	os.WriteFile(scen, []byte("replications: 1\nworld: {instances: 4, traffic: {rate: 40}}\nstrategies:\n  - from_file: {kind: k8s, path: deployment.yaml}\n"), 0o644)
	out, errOut, code := deploysim(t, "run", scen, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, `"strategy": "rolling"`) && !strings.Contains(out, `"strategy": "all-at-once"`) {
		t.Fatalf("the imported strategy did not run:\n%s", out)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("strategies:\n  - from_file: {kind: helm, path: deployment.yaml}\n"), 0o644)
	if _, errOut, code := deploysim(t, "validate", bad); code != 2 || !strings.Contains(errOut, "bad.yaml:2:") {
		t.Fatalf("bad from_file: exit %d, %s", code, errOut)
	}
}

// TestFlagsOnlyWhereTheyApply: a flag a command would ignore is refused
// (exit 2), not silently dropped.
func TestFlagsOnlyWhereTheyApply(t *testing.T) {
	for _, args := range [][]string{
		{"list", "strategies", "--report", "x.html"},
		{"explain", "canary", "--format", "json"},
		{"validate", "default", "-o", "f"},
		{"validate", "default", "--replications", "3"},
		{"schema", "--seed", "3"},
		{"import", "codedeploy", "CodeDeployDefault.HalfAtATime", "--junit", "x.xml"},
		{"serve", "default", "--report", "x.html"},
		{"serve", "default", "--memory-budget", "1GiB"},
		{"list", "strategies", "--import-dir", "."},
		{"explain", "canary", "--memory-budget", "1GiB"},
		{"import", "codedeploy", "CodeDeployDefault.HalfAtATime", "--import-dir", "."},
	} {
		out, errOut, code := deploysim(t, args...)
		if code != 2 || !strings.Contains(errOut, "unknown") {
			t.Errorf("deploysim %v: exit %d, want 2 naming the flag\nstdout: %s\nstderr: %s", args, code, out, errOut)
		}
	}
	// The flags still work where they apply.
	if _, errOut, code := deploysim(t, "schema", "-o", filepath.Join(t.TempDir(), "s.json")); code != 0 {
		t.Errorf("schema -o: exit %d: %s", code, errOut)
	}
	// Every command that loads scenarios takes --import-dir; those that
	// run experiments, and validate, take --memory-budget and refuse an
	// experiment above it before running.
	for _, args := range [][]string{
		{"run", "default"}, {"compare", "default"}, {"sweep", "default", "--set", "world.instances=4,5"}, {"validate", "default"},
	} {
		_, errOut, code := deploysim(t, append(args, "--import-dir", ".", "--memory-budget", "1KiB")...)
		if code != 2 || !strings.Contains(errOut, "above the memory budget of 1.0 KiB") {
			t.Errorf("deploysim %v --import-dir . --memory-budget 1KiB: exit %d, want 2 naming the budget: %s", args, code, errOut)
		}
	}
	if _, errOut, code := deploysim(t, "serve", "default", "--import-dir", ".", "--speed", "NaN"); code != 2 || !strings.Contains(errOut, "--speed NaN") {
		t.Errorf("serve --import-dir: exit %d, want 2 for --speed only: %s", code, errOut)
	}
}

// TestInternalErrorExit3: a panic is a bug: exit 3 with what to report,
// never Go's exit code 2 (invalid input here).
func TestInternalErrorExit3(t *testing.T) {
	boom := &cobra.Command{Use: "boom", RunE: func(*cobra.Command, []string) error {
		var m map[string]int
		m["x"]++ // a runtime error
		return nil
	}}
	run := &cobra.Command{Use: "badrun", RunE: func(*cobra.Command, []string) error {
		return fmt.Errorf("compare: %w", &scenarios.InternalError{Scenario: "default", Strategy: "canary",
			WorldSeed: 42, RootSeed: 1, Replication: 3, Panic: "deploysim: invariant broken: negative capacity", Stack: []byte("goroutine 1 [running]:")})
	}}
	for _, tc := range []struct {
		cmd  string
		want []string
	}{
		{"boom", []string{"internal error: panic: assignment to entry in nil map", "version: ", "command: deploysim boom", "goroutine"}},
		{"badrun", []string{"internal error: scenario default, strategy canary, seed 1, replication 3 (world seed 42): panic: deploysim: invariant broken", "version: "}},
	} {
		var out, errOut bytes.Buffer
		code := runWith(context.Background(), []string{tc.cmd}, &out, &errOut, boom, run)
		if code != exitInternal {
			t.Errorf("%s: exit %d, want %d\n%s", tc.cmd, code, exitInternal, errOut.String())
		}
		for _, w := range tc.want {
			if !strings.Contains(errOut.String(), w) {
				t.Errorf("%s: stderr lacks %q:\n%s", tc.cmd, w, errOut.String())
			}
		}
	}
}

// TestInterruptedJUnit: Ctrl-C during a comparison of two scenarios exits
// 1, and the JUnit file says the run was interrupted, for the scenario cut
// short and for the one that never started.
func TestInterruptedJUnit(t *testing.T) {
	dir := t.TempDir()
	junit := filepath.Join(dir, "r.xml")
	cmd := exec.Command(binary, "compare", "default", "healthy-release", "--replications", "200", "--workers", "1",
		"--progress", "always", "--junit", junit)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// Interrupt once a few runs finished.
	buf := make([]byte, 256)
	var seen strings.Builder
	for !strings.Contains(seen.String(), " 3/") {
		n, err := stderr.Read(buf)
		if err != nil {
			t.Fatalf("no progress: %v\n%s", err, seen.String())
		}
		seen.Write(buf[:n])
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(stderr)
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("interrupted run: %v, want exit 1\n%s", err, rest)
	}
	b, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	x := string(b)
	for _, want := range []string{
		`<testsuite name="deploysim.default"`, `<property name="interrupted" value="true">`, `<property name="complete" value="false">`,
		` of 200 runs finished" type="interrupted"></failure>`, // the strategy cut short: a failed case completed
		`<error message="interrupted: `, `<testsuite name="deploysim.healthy-release"`,
		`<error message="interrupted before this scenario ran" type="interrupted">`,
	} {
		if !strings.Contains(x, want) {
			t.Errorf("JUnit lacks %s:\n%s", want, x)
		}
	}
}

// TestSweepThresholdsAndArtifacts: a grid point that fails a threshold is
// marked ✗ with the threshold named, the sweep exits 99, and --report,
// --junit and --openmetrics are written for sweeps too: each point's
// report with its sample run's timeline, the OpenMetrics series
// (completeness and timeline included) with the point.
func TestSweepThresholdsAndArtifacts(t *testing.T) {
	dir := t.TempDir()
	src := write(t, "sw.yaml", "replications: 2\nworld: {instances: 4, traffic: {rate: 40}}\nstrategies: [all-at-once, rolling]\nexpect: ['mean(downtime_s) < 30']\n")
	html, junit, om := filepath.Join(dir, "r.html"), filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.om")
	out, errOut, code := deploysim(t, "sweep", src, "--set", "world.instances=4,5", "--report", html, "--junit", junit, "--openmetrics", om, "--openmetrics-timeline")
	if code != 99 {
		t.Fatalf("exit %d, want 99\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "✗ mean(downtime_s) < 30") || !strings.Contains(out, "failed thresholds") ||
		!strings.Contains(out, "✗ world.instances=4, all-at-once: mean(downtime_s) < 30") {
		t.Errorf("the failed point is not marked with its threshold:\n%s", out)
	}
	for _, f := range []struct{ path, want string }{
		{filepath.Join(dir, "r-p1.html"), "[world.instances=4]"},
		{filepath.Join(dir, "r-p1.html"), "Traffic share by version"},
		{filepath.Join(dir, "r-p2.html"), "[world.instances=5]"},
		{junit, `<testsuite name="deploysim.sw [world.instances=5]"`},
		{om, `point="world.instances=4"`},
		{om, `deploysim_complete{point="world.instances=5",scenario="sw"} 1`},
		{om, `deploysim_timeline_share{scenario="sw",point="world.instances=5",strategy="rolling"`},
	} {
		b, err := os.ReadFile(f.path)
		if err != nil {
			t.Errorf("%v (stderr: %s)", err, errOut)
			continue
		}
		if !strings.Contains(string(b), f.want) {
			t.Errorf("%s lacks %q", f.path, f.want)
		}
	}
}

// TestReportPathsCheckedBeforeTheRun: the HTML reports named after their
// experiment — a sweep's r-p2.html, a comparison's r-NAME.html — are
// checked before anything runs, like every other output: a symbolic link
// there is refused (exit 2) with nothing run and the link's target kept.
func TestReportPathsCheckedBeforeTheRun(t *testing.T) {
	dir := t.TempDir()
	src := write(t, "sw.yaml", "replications: 1\nworld: {instances: 3, traffic: {rate: 20, users: 100}}\nstrategies: [rolling]\n")
	target := filepath.Join(dir, "target.txt")
	if err := os.WriteFile(target, []byte("keep me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		link string
		args []string
	}{
		{"r-p2.html", []string{"sweep", src, "--set", "world.instances=3,4"}},
		{"r-sw.html", []string{"compare", src, "default"}},
	} {
		link := filepath.Join(dir, tc.link)
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		out, errOut, code := deploysim(t, append(tc.args, "--report", filepath.Join(dir, "r.html"))...)
		want := "--report " + link + ": not a regular file (a symbolic link)"
		if code != 2 || out != "" || !strings.Contains(errOut, want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2 before the run: %s", tc.args[0], code, out, errOut, want)
		}
		if b, _ := os.ReadFile(target); string(b) != "keep me\n" {
			t.Errorf("%s: the link's target changed: %q", tc.args[0], b)
		}
		os.Remove(link)
	}
}

// TestReadmeSample: the README's sample output (and the recommendation
// line quoted in docs/reports.md) is what `deploysim compare` prints: each
// cell of the abridged table under its column, and the recommendation
// verbatim. When numbers move, refresh the README with them.
func TestReadmeSample(t *testing.T) {
	out, errOut, code := deploysim(t, "compare")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// The real table, by strategy and column.
	real := map[string]map[string]string{}
	var head []string
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "│") {
			continue
		}
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "│"), "│") {
			cells = append(cells, strings.TrimSpace(c))
		}
		if head == nil {
			head = cells
			continue
		}
		real[cells[0]] = map[string]string{}
		for i, c := range cells {
			real[cells[0]][head[i]] = c
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sample, ok := strings.Cut(string(readme), "```\nstrategy ")
	sample, _, ok2 := strings.Cut("strategy "+sample, "```")
	if !ok || !ok2 {
		t.Fatal("README has no sample table")
	}
	split := func(line string) []string { return regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(line), -1) }
	lines := strings.Split(strings.TrimSpace(sample), "\n")
	cols := split(lines[0])
	rows := 0
	for _, line := range lines[1:] {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if strings.HasPrefix(line, "Recommended:") {
			if !strings.Contains(out, line+"\n") {
				t.Errorf("README's recommendation is not what compare prints:\nREADME: %s\n%s", line, out)
			}
			continue
		}
		cells := split(line)
		row, ok := real[cells[0]]
		if !ok || len(cells) != len(cols) {
			t.Errorf("README row %q: no such strategy in the output, or not one cell per column", line)
			continue
		}
		rows++
		for i, c := range cols {
			if row[c] != cells[i] {
				t.Errorf("README: %s %s is %q, compare prints %q", cells[0], c, cells[i], row[c])
			}
		}
	}
	if rows != len(real) {
		t.Errorf("README shows %d rows, compare prints %d", rows, len(real))
	}
	doc, err := os.ReadFile("../../docs/reports.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(line, "Recommended: ") && !strings.Contains(out, line+"\n") {
			t.Errorf("docs/reports.md quotes %q, compare prints:\n%s", line, out)
		}
	}
}
