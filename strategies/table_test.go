package strategies_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/strategies"
)

// TestCatalogueTable prints strategy × (deploy time, downtime, capacity
// floor, rollback time) on the default world for a healthy and a bad
// release (v2 fails 20 %). Run with DEPLOYSIM_TABLE=1 go test -run Table -v.
func TestCatalogueTable(t *testing.T) {
	if os.Getenv("DEPLOYSIM_TABLE") == "" {
		t.Skip("set DEPLOYSIM_TABLE=1")
	}
	fmt.Printf("| strategy | healthy: outcome, deploy s, downtime s, floor | bad: outcome, deploy s, downtime s, floor, detection s, rollback s |\n|---|---|---|\n")
	for _, sp := range strategies.Catalog() {
		var cells []string
		for _, bad := range []bool{false, true} {
			cfg := models.DefaultConfig()
			if bad {
				badVersion(&cfg)
			}
			s, _ := sp.New(nil)
			r := deploy(t, cfg, 1, s, modelsDeployment(sp.Name))
			m := r.Metrics
			c := fmt.Sprintf("%v, %.0f, %.0f, %.2f", r.Outcome, m.DeployDuration, m.Downtime, m.CapacityFloor)
			if bad {
				c += fmt.Sprintf(", %.0f, %.0f", m.Detection, m.Rollback)
			}
			cells = append(cells, c)
		}
		fmt.Printf("| %s | %s | %s |\n", sp.Name, cells[0], cells[1])
	}
}
