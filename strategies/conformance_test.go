package strategies_test

import (
	"strings"
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
	// The suite reports success, but deploys nothing: it leaves the live
	// environment as it found it, which the world measures as v1 still
	// answering all traffic.
	if r.Outcome != strategies.Failed || !strings.HasPrefix(r.Reason, "mixed end state: v1 still answered 100 %") {
		t.Fatalf("seed 7: %s", describe(r))
	}
}
