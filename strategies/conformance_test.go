package strategies_test

import (
	"testing"
	"time"

	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/strategies"
	"github.com/deploysim/deploysim/strategies/strategiestest"
)

// TestWorldConformsToContract runs the contract conformance suite against
// the simulated world.
func TestWorldConformsToContract(t *testing.T) {
	cfg := smallConfig()
	cfg.DB.Migrations = []models.MigrationSpec{{Name: "irrev", Kind: models.Expand, Duration: 5 * time.Second, Irreversible: true}}
	s := strategiestest.Suite(t.Errorf, strategiestest.Options{IrreversibleMigration: "irrev"})
	r := deploy(t, cfg, 7, s, models.Deployment{})
	if r.Outcome != strategies.Succeeded {
		t.Fatalf("seed 7: %s", describe(r))
	}
}
