package report

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deploysim/deploysim/scenarios"
)

// runBuiltin runs a built-in scenario with few replications.
func runBuiltin(t testing.TB, name string, reps int) (*scenarios.Scenario, *scenarios.Report) {
	t.Helper()
	sc, err := scenarios.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := sc.Run(context.Background(), scenarios.Options{Replications: reps, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	return sc, rep
}

func TestHTMLIsDeterministicAndSelfContained(t *testing.T) {
	sc, rep := runBuiltin(t, "default", 3)
	var a, b bytes.Buffer
	if err := HTML(&a, sc, rep); err != nil {
		t.Fatal(err)
	}
	if err := HTML(&b, sc, rep); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two renders of the same results differ")
	}
	page := a.String()
	for _, banned := range []string{"http://", "https://", "<script src", "<link "} {
		if i := strings.Index(page, banned); i >= 0 && !strings.Contains(page[max(0, i-200):i], "license") {
			// The embedded library carries URLs in comments and strings;
			// what matters is that nothing is loaded from elsewhere.
			if banned == "<script src" || banned == "<link " {
				t.Fatalf("report loads an external resource: %q", page[i:min(len(page), i+80)])
			}
		}
	}
	if !strings.Contains(page, "Recommended:") {
		t.Fatal("report has no recommendation")
	}
	for _, s := range rep.Results {
		if !strings.Contains(page, s.Label) {
			t.Fatalf("report does not mention %s", s.Label)
		}
	}
	t.Logf("report size %d bytes", a.Len())
	if dir := os.Getenv("DEPLOYSIM_REPORT_DIR"); dir != "" {
		os.WriteFile(filepath.Join(dir, "default.html"), a.Bytes(), 0o644)
	}
}
