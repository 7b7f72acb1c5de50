package report

import (
	"bytes"
	"context"
	"html"
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
	if line, _ := Recommendation(rep); line == "" || !strings.Contains(page, html.EscapeString(line)) {
		t.Fatalf("report lacks the recommendation %q", line)
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

// TestOneRecommendationEverywhere: the table, the HTML report and the JSON
// show the one recommendation computed with the results. In
// breaking-migration, whose lesson is that blue/green is contraindicated,
// the report recommended blue-green before.
func TestOneRecommendationEverywhere(t *testing.T) {
	for _, name := range []string{"breaking-migration", "default"} {
		sc, rep := builtin(t, name)
		rec := rep.Recommendation
		if rec == nil {
			t.Fatalf("%s: no recommendation", name)
		}
		line, not := Recommendation(rep)
		var tb, page bytes.Buffer
		if err := Table(&tb, rep, TableOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := HTML(&page, sc, rep); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(tb.String(), line) || !strings.Contains(page.String(), html.EscapeString(line)) {
			t.Errorf("%s: table or report lacks %q", name, line)
		}
		if !strings.Contains(line, rec.Reason) || (rec.Strategy != "" && !strings.Contains(line, rec.Strategy)) {
			t.Errorf("%s: %q does not word %+v", name, line, rec)
		}
		for _, n := range not {
			if !strings.Contains(page.String(), html.EscapeString(n)) {
				t.Errorf("%s: report lacks why %q", name, n)
			}
		}
		if name == "breaking-migration" && rec.Strategy == "blue-green" {
			t.Errorf("breaking-migration recommends the contraindicated blue-green: %s", line)
		}
	}
}
