package strategies_test

import (
	"testing"
	"time"

	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/strategies"
)

func zonal(alarms ...string) func(any) {
	return func(c any) {
		rc := c.(*strategies.RollingConfig)
		rc.DeploymentConfig = "CodeDeployDefault.HalfAtATime"
		rc.ZonalConfig = &strategies.ZonalConfig{
			FirstZoneMonitorDuration:   new(10 * time.Minute),
			MonitorDuration:            3 * time.Minute,
			MinimumHealthyHostsPerZone: &strategies.MinimumHealthyHosts{Type: "HOST_COUNT", Value: 1},
		}
		rc.Rollback.Alarms = alarms
		rc.Rollback.Human.Disabled = true
	}
}

// TestCodeDeployZonalOneZoneAtATime: nine instances over three zones; the
// deployment goes zone by zone, two at a time in each (the zone's three
// less its minimum of one, under HalfAtATime's four), waiting 10 m after
// the first zone and 3 m after the second.
func TestCodeDeployZonalOneZoneAtATime(t *testing.T) {
	cfg := smallConfig()
	cfg.Instances = 9
	r := deploy(t, cfg, 1, build(t, "rolling", zonal()), models.Deployment{})
	if r.Outcome != strategies.Succeeded {
		t.Fatalf("seed 1: want succeeded\n%s", describe(r))
	}
	za, zb, zc := marksWith(r, "zone a (1/3): 3 instances, 2 at a time"), marksWith(r, "zone b (2/3)"), marksWith(r, "zone c (3/3)")
	ma, mb := marksWith(r, "monitor zone a for 10m0s"), marksWith(r, "monitor zone b for 3m0s")
	if len(za) != 1 || len(zb) != 1 || len(zc) != 1 || len(ma) != 1 || len(mb) != 1 || len(marksWith(r, "monitor zone c")) != 0 {
		t.Fatalf("seed 1: zone marks missing or extra\n%s", describe(r))
	}
	if d := zb[0] - ma[0]; d < 10*time.Minute || d > 10*time.Minute+10*time.Second {
		t.Errorf("seed 1: zone b started %v after zone a's monitor began, want 10 m", d)
	}
	if d := zc[0] - mb[0]; d < 3*time.Minute || d > 3*time.Minute+10*time.Second {
		t.Errorf("seed 1: zone c started %v after zone b's monitor began, want 3 m", d)
	}
	deploys := marksWith(r, "deploy v2 to")
	before := 0
	for _, at := range deploys {
		if at < zb[0] {
			before++
		}
	}
	if before != 3 || len(deploys) != 9 {
		t.Errorf("seed 1: %d deployments before zone b (want 3, zone a only), %d in all (want 9)", before, len(deploys))
	}
	if r.Metrics.CapacityFloor < 0.7 {
		t.Errorf("seed 1: capacity floor %.2f, want two of nine down at most (≥ 0.7)", r.Metrics.CapacityFloor)
	}
}

// TestCodeDeployZonalContainsABadRelease: a bad release is caught by an
// alarm during the first zone's monitor duration and rolled back before
// the second zone: a third of the fleet was exposed, and the rollback
// redeploys that zone only.
func TestCodeDeployZonalContainsABadRelease(t *testing.T) {
	cfg := smallConfig()
	cfg.Instances = 9
	badVersion(&cfg)
	cfg.Alarms = []models.AlarmSpec{{Name: "v2-errors", Metric: "error_rate", Version: "$to", Comparison: ">",
		Threshold: 0.05, Period: time.Minute, EvaluationPeriods: 1, TreatMissingData: "missing"}}
	r := deploy(t, cfg, 1, build(t, "rolling", zonal("v2-errors")), models.Deployment{})
	if r.Outcome != strategies.RolledBack {
		t.Fatalf("seed 1: want rolled back\n%s", describe(r))
	}
	if len(marksWith(r, "zone b (2/3)")) != 0 || len(marksWith(r, "redeploy v1 to 3 instances")) != 1 {
		t.Errorf("seed 1: the rollback must come during zone a's monitor and redeploy its 3 instances\n%s", describe(r))
	}
	if e := r.Metrics.Exposure; e > 0.4 {
		t.Errorf("seed 1: exposure %.2f, want at most zone a's third of the traffic", e)
	}
}
