package scenarios

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/deploysim/deploysim/models"
)

// TestPatchFleetLesson checks the lesson of the built-in
// patch-fleet-in-maintenance-window on its own replications: one patch at
// a time does not fit before the cutoff (CANCEL_TASK leaves mixed versions,
// no invocation after 01:00; CONTINUE_TASK runs past the window's end);
// 25 % at a time costs up to a quarter of the capacity during reboots and
// hits more users.
func TestPatchFleetLesson(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the built-in scenario")
	}
	sc := builtin(t, "patch-fleet-in-maintenance-window")
	runEach(t, sc, "one-at-a-time-cancel", func(rep int, r *models.Result) {
		if r.Outcome.String() != "failed" || !strings.Contains(r.Reason, "cutoff at 01:00") {
			t.Errorf("seed %d rep %d: one-at-a-time-cancel %v (%s), want stopped at the cutoff", sc.Seed, rep, r.Outcome, r.Reason)
		}
		for _, m := range r.Marks {
			if strings.HasPrefix(m.Text, "invoke on") && m.At >= time.Hour {
				t.Errorf("seed %d rep %d: invocation at %v, after the 01:00 cutoff", sc.Seed, rep, m.At)
			}
		}
		last := r.Timeline.Points[len(r.Timeline.Points)-1]
		if last.PerVersion[0].InService == 0 || last.PerVersion[1].InService == 0 {
			t.Errorf("seed %d rep %d: end state v1 %d v2 %d, want mixed versions", sc.Seed, rep, last.PerVersion[0].InService, last.PerVersion[1].InService)
		}
		if r.Metrics.CapacityFloor < 0.9 {
			t.Errorf("seed %d rep %d: one at a time, capacity floor %.2f, want one instance down at most", sc.Seed, rep, r.Metrics.CapacityFloor)
		}
	})
	runEach(t, sc, "one-at-a-time-continue", func(rep int, r *models.Result) {
		if r.Outcome.String() != "succeeded" {
			t.Errorf("seed %d rep %d: one-at-a-time-continue %v (%s), want succeeded", sc.Seed, rep, r.Outcome, r.Reason)
		}
		if r.Timeline.EndAt < 2*time.Hour {
			t.Errorf("seed %d rep %d: patching ended at %v, want past the window's end (02:00)", sc.Seed, rep, r.Timeline.EndAt)
		}
	})
	runEach(t, sc, "25-percent-cancel", func(rep int, r *models.Result) {
		// Two or three of twelve reboot at once (the ramp 1, 2, 3 — unless
		// the person on call cancels first).
		if r.Metrics.CapacityFloor > 10.0/12+1e-9 {
			t.Errorf("seed %d rep %d: 25 %%, capacity floor %.2f, want at least two of twelve rebooting at once", sc.Seed, rep, r.Metrics.CapacityFloor)
		}
		if r.FailedByCause["refused"] == 0 {
			t.Errorf("seed %d rep %d: no request refused by a rebooting instance", sc.Seed, rep)
		}
	})
	rep, err := sc.Run(context.Background(), Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	one, quarter := rep.Results[0], rep.Results[1]
	if q, o := quarter.Metrics["blast_radius_users"].Mean, one.Metrics["blast_radius_users"].Mean; q <= o {
		t.Errorf("seed %d: users hit at 25 %% (%.3f) not above one at a time (%.3f)", sc.Seed, q, o)
	}
}
