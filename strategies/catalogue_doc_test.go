package strategies_test

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/deploysim/deploysim/strategies"
)

var updateDoc = flag.Bool("update-doc", false, "rewrite docs/strategies.md from the catalogue")

// catalogueDoc renders the catalogue's explanations as docs/strategies.md,
// so that the documentation is the text `deploysim explain` prints.
func catalogueDoc() string {
	var b strings.Builder
	b.WriteString("# Strategy catalogue\n\n")
	b.WriteString("Generated from the catalogue (`go test ./strategies -update-doc`); `deploysim explain NAME`\n")
	b.WriteString("prints the same text. Every strategy also takes the shared `rollback:` block described at\n")
	b.WriteString("the end of each entry.\n\n| strategy | summary |\n|---|---|\n")
	for _, s := range strategies.Catalog() {
		b.WriteString("| [" + s.Name + "](#" + s.Name + ") | " + s.Summary + " |\n")
	}
	b.WriteString("\nThe seeds' vocabulary — the types of deployment named before any tool — maps onto the catalogue;\n")
	b.WriteString("a scenario can name a term as a strategy and override any field of the strategy it maps to:\n\n")
	b.WriteString("| term | maps to | summary |\n|---|---|---|\n")
	for _, t := range strategies.Terms() {
		to := "—"
		if t.Strategy != "" {
			to = "[" + t.Strategy + "](#" + t.Strategy + ")"
		}
		b.WriteString("| [" + t.Name + "](#" + t.Name + ") | " + to + " | " + t.Summary + " |\n")
	}
	for _, s := range strategies.Catalog() {
		b.WriteString("\n## " + s.Name + "\n\n" + s.Summary + "\n\n```\n" + strings.TrimSpace(s.Explain) + "\n```\n")
		if len(s.Differs) > 0 {
			b.WriteString("\n### Where deploysim differs from the real tool\n\n")
			for _, d := range s.Differs {
				b.WriteString("- " + d + "\n")
			}
		}
	}
	b.WriteString("\n# The seeds' vocabulary\n")
	for _, t := range strategies.Terms() {
		b.WriteString("\n## " + t.Name + "\n\n" + t.Summary + "\n\n```\n" + strings.TrimSpace(t.About) + "\n```\n")
		if t.Preset != "" {
			b.WriteString("\nMaps to:\n\n```yaml\n" + t.Preset + "\n```\n")
		}
	}
	return b.String()
}

// TestEveryStrategySaysWhereItDiffers: each strategy lists its known
// departures from the real tool.
func TestEveryStrategySaysWhereItDiffers(t *testing.T) {
	for _, s := range strategies.Catalog() {
		if len(s.Differs) == 0 {
			t.Errorf("%s: no \"Where deploysim differs from the real tool\" list", s.Name)
		}
	}
}

func TestCatalogueDocIsCurrent(t *testing.T) {
	const path = "../docs/strategies.md"
	want := catalogueDoc()
	if *updateDoc {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./strategies -update-doc)", err)
	}
	if string(got) != want {
		t.Fatal("docs/strategies.md is out of date with the catalogue: run go test ./strategies -update-doc and review the diff")
	}
}
