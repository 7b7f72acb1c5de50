package strategies_test

import (
	"strings"
	"testing"
	"time"

	"github.com/deploysim/deploysim/strategies"
)

var previewFleet = strategies.Fleet{From: "v1", To: "v2", Instances: 10, AZs: []string{"a", "b", "c"}}

// TestEveryStrategyPreviews: every strategy of the catalogue and every
// term of the vocabulary lays its run out with its defaults.
func TestEveryStrategyPreviews(t *testing.T) {
	for _, sp := range append(strategies.Catalog(), strategies.Vocabulary()...) {
		t.Run(sp.Name, func(t *testing.T) {
			s, err := sp.New(nil)
			if err != nil {
				t.Fatal(err)
			}
			pv, ok := s.(strategies.Previewer)
			if !ok {
				t.Fatalf("%s does not preview", sp.Name)
			}
			p, err := pv.Preview(previewFleet)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Steps) == 0 || len(p.Rollback) == 0 || p.Summary == "" {
				t.Errorf("empty preview: %+v", p)
			}
			for _, st := range p.Steps {
				if strings.Contains(st.Do+st.Wait, "%!") {
					t.Errorf("badly formatted step %+v", st)
				}
			}
		})
	}
}

// TestPreviewMatchesTheRun: the preview of a CloudFormation rolling
// update states the batches the controller runs (the same layout).
func TestPreviewMatchesTheRun(t *testing.T) {
	s := cfnRolling(t, func(rc *strategies.RollingConfig) {
		rc.MaxBatchSize, rc.MinInstancesInService, rc.MaxSize = new(2), new(9), 12
		rc.WaitOnResourceSignals, rc.PauseTime = new(true), new(15*time.Minute)
	})
	p, err := s.(strategies.Previewer).Preview(previewFleet)
	if err != nil {
		t.Fatal(err)
	}
	var text []string
	for _, st := range p.Steps {
		text = append(text, st.Do+" | "+st.Wait)
	}
	got := strings.Join(text, "\n")
	for _, want := range []string{
		"temporarily set MinSize and DesiredCapacity to 11: 1 v2 instance(s) launched first | for 1 cfn-signal(s) within PT15M (PauseTime)",
		"batch 1/5: terminate 2 obsolete v1 instance(s)",
		"batch 5/5: terminate 2 obsolete v1 instance(s) (draining first); the group launches their replacements; DesiredCapacity back to 10 | for 1 cfn-signal(s)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("preview lacks %q:\n%s", want, got)
		}
	}
	r := deploy(t, smallConfig(), 1, s, modelsDeployment("rolling"))
	if n := len(marksWith(r, "batch ")); n != 5 {
		t.Errorf("seed 1: the run has %d batches, the preview 5", n)
	}
}
