package scenarios

import (
	"context"
	"testing"

	"github.com/deploysim/deploysim/strategies"
)

// TestInPlaceLeavesNoOutdatedInstance: instances the Auto Scaling group
// launches while an in-place deployment runs (here, replacements of two
// old instances that die 30 s in) end on the new version when the
// deployment succeeds — Elastic Beanstalk's deployment sets the version
// new instances get, CodeDeploy runs a follow-on deployment for outdated
// instances — so a success never leaves the old version serving.
func TestInPlaceLeavesNoOutdatedInstance(t *testing.T) {
	src := `
world: {instances: 10, traffic: {rate: 60, users: 3000}}
strategies:
  - {name: rolling, batch_size_type: Percentage, batch_size: 25}
  - {name: rolling, label: rolling-codedeploy, deployment_config: CodeDeployDefault.OneAtATime}
  - {name: rolling-with-additional-batch, batch_size_type: Percentage, batch_size: 25}
  - all-at-once
  - {name: all-at-once, label: all-at-once-codedeploy, deployment_config: CodeDeployDefault.AllAtOnce}
faults:
  - {at: 30s, kill_instances: {version: $from, count: 2}}
`
	sc, err := Parse("outdated.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for i := range sc.Strategies {
		st := &sc.Strategies[i]
		t.Run(st.Label, func(t *testing.T) {
			succeeded := 0
			for seed := uint64(1); seed <= 4; seed++ {
				res, err := sc.RunOnce(context.Background(), st, seed)
				if err != nil {
					t.Fatal(err)
				}
				if res.Outcome != strategies.Succeeded {
					continue
				}
				succeeded++
				last := res.Timeline.Points[len(res.Timeline.Points)-1]
				if old := last.PerVersion[0]; old.InService+old.Pending > 0 || old.Requests > 0 {
					t.Errorf("seed %d: succeeded with %d old instances running and %d old requests at the end", seed, old.InService+old.Pending, old.Requests)
				}
				if n := last.PerVersion[1].InService; n != 10 {
					t.Errorf("seed %d: %d new instances in service at the end, want 10", seed, n)
				}
			}
			if succeeded == 0 {
				t.Errorf("no run succeeded: the check above was never made")
			}
		})
	}
}
