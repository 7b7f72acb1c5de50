package strategies

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSplitBatches(t *testing.T) {
	ids := []InstanceID{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	for _, tc := range []struct {
		name  string
		sizes []int
		want  []int
	}{
		{"EB 25% of 10", []int{3, 3, 3, 1}, []int{3, 3, 3, 1}},
		{"one batch", []int{10}, []int{10}},
		{"sizes short of the fleet: rest in one", []int{4}, []int{4, 6}},
		{"sizes beyond the fleet", []int{6, 6}, []int{6, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []int
			for _, b := range splitBatches(ids, tc.sizes) {
				got = append(got, len(b))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

type fakeELB struct {
	LoadBalancing
	fwd []Forward
}

func (f *fakeELB) SetListener(_ LoadBalancerID, fwd []Forward) error { f.fwd = fwd; return nil }

func TestRouteWeights(t *testing.T) {
	for _, tc := range []struct {
		pct      float64
		old, new int // 0 = absent
	}{
		{0, 1, 0}, {10, 900, 100}, {50, 500, 500}, {3.3, 967, 33}, {0.01, 999, 1}, {99.99, 1, 999}, {100, 0, 1},
	} {
		f := &fakeELB{}
		r := &runner{env: Env{ELB: f}}
		if err := r.route(0, 1, 2, tc.pct); err != nil {
			t.Fatal(err)
		}
		got := map[TargetGroupID]int{}
		for _, x := range f.fwd {
			got[x.TargetGroup] = x.Weight
		}
		if got[1] != tc.old || got[2] != tc.new {
			t.Errorf("route %g%%: %v, want old %d new %d", tc.pct, f.fwd, tc.old, tc.new)
		}
	}
}

func TestCatalog(t *testing.T) {
	want := []string{"ab-test", "all-at-once", "blue-green", "canary", "feature-toggle", "immutable", "linear", "rolling", "rolling-with-additional-batch", "systems-manager", "traffic-splitting"}
	var got []string
	for _, sp := range Catalog() {
		got = append(got, sp.Name)
		if sp.Summary == "" || !strings.Contains(sp.Explain, "Rollback") {
			t.Errorf("%s: summary or explanation missing", sp.Name)
		}
		s, err := sp.New(nil)
		if err != nil {
			t.Errorf("%s defaults: %v", sp.Name, err)
			continue
		}
		if s.Name() != sp.Name {
			t.Errorf("%s: strategy named %q", sp.Name, s.Name())
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("catalogue %v, want %v", got, want)
	}
	if _, err := Lookup("big-banger"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "blue-green") || !strings.Contains(err.Error(), "big-bang") {
		t.Errorf("Lookup(unknown) = %v: want ErrNotFound listing the names", err)
	}
	bg, _ := Lookup("blue-green")
	for _, c := range []string{"schema", "upgrade routines", "cannot run twice"} {
		if !strings.Contains(bg.Explain, c) {
			t.Errorf("blue-green explanation lacks the contraindication %q", c)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(c any)
		want string
	}{
		{"rolling", func(c any) { c.(*RollingConfig).BatchSize = 120 }, "BatchSize"},
		{"rolling", func(c any) {
			c.(*RollingConfig).DeploymentConfig = "CodeDeployDefault.OneAtATime"
			c.(*RollingConfig).MaxSurge = "1"
		}, "fields of variant"},
		{"rolling", func(c any) { c.(*RollingConfig).DeploymentConfig = "CodeDeployDefault.HalfAtAtime" }, "did you mean"},
		{"rolling", func(c any) { c.(*RollingConfig).MaxSurge, c.(*RollingConfig).MaxUnavailable = "0", "0%" }, "maxUnavailable"},
		{"canary", func(c any) { c.(*CanaryConfig).DeploymentConfig = "CodeDeployDefault.ECSCanary10Percent5Minute" }, "did you mean"},
		{"canary", func(c any) { c.(*CanaryConfig).Steps = []CanaryStep{{}} }, "exactly one"},
		{"blue-green", func(c any) { c.(*BlueGreenConfig).Variant = "purple" }, "allowed"},
		{"blue-green", func(c any) { c.(*BlueGreenConfig).TerminationWaitTime = new(time.Duration(3000 * 60e9)) }, "2880m"},
		{"traffic-splitting", func(c any) { c.(*TrafficSplittingConfig).EvaluationTime = 60e9 }, "EvaluationTime"},
		{"all-at-once", func(c any) {
			c.(*AllAtOnceConfig).Rollback.Analysis = []AnalysisMetric{{SuccessCondition: "reslt[0] > 1"}}
		}, "reslt"},
		{"feature-toggle", func(c any) { c.(*FeatureToggleConfig).Steps = []float64{50, 10} }, "increasing"},
	} {
		sp, _ := Lookup(tc.name)
		_, err := sp.New(func(c any) error { tc.set(c); return nil })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
	sp, _ := Lookup("rolling")
	if _, err := sp.New(func(any) error { return errors.New("line 3: field bogus not found") }); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("decode error not returned: %v", err)
	}
}
