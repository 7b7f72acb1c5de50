package plan

import (
	"fmt"
	"testing"
)

func TestArgoBasicCanaryReplicas(t *testing.T) {
	// Expected counts are Argo Rollouts' behaviour for the closest-weight
	// rule (its approximateWeightedCanaryStableReplicaCounts test cases),
	// plus the examples of the issue and of the function doc.
	tests := []struct {
		name                    string
		replicas, weight, surge int
		wantCanary, wantStable  int
	}{
		{"10 at 41 percent with surge picks 40 percent", 10, 41, 3, 4, 6},
		{"10 at 41 percent without surge", 10, 41, 0, 4, 6},
		{"doc example 10 at 10 percent", 10, 10, 1, 1, 9},
		{"doc example 1 at 5 percent with surge", 1, 5, 1, 1, 1},
		{"doc example 1 at 95 percent with surge", 1, 95, 1, 1, 1},

		{"0 replicas at 0", 0, 0, 0, 0, 0},
		{"0 replicas at 50", 0, 50, 0, 0, 0},
		{"0 replicas at 100 with surge", 0, 100, 1, 0, 0},

		{"1 at 0", 1, 0, 0, 0, 1},
		{"1 at 1 rounds to nothing without surge", 1, 1, 0, 0, 1},
		{"1 at 49 without surge", 1, 49, 0, 0, 1},
		{"1 at 50 tie goes to canary", 1, 50, 0, 1, 0},
		{"1 at 99 without surge", 1, 99, 0, 1, 0},
		{"1 at 100 without surge", 1, 100, 0, 1, 0},
		{"1 at 0 with surge", 1, 0, 1, 0, 1},
		{"1 at 1 with surge", 1, 1, 1, 1, 1},
		{"1 at 50 with surge", 1, 50, 1, 1, 1},
		{"1 at 99 with surge", 1, 99, 1, 1, 1},
		{"1 at 100 with surge", 1, 100, 1, 1, 0},

		{"2 at 0", 2, 0, 0, 0, 2},
		{"2 at 1 keeps a canary", 2, 1, 0, 1, 1},
		{"2 at 50", 2, 50, 0, 1, 1},
		{"2 at 99 keeps a stable", 2, 99, 0, 1, 1},
		{"2 at 100", 2, 100, 0, 2, 0},
		{"2 at 1 with surge is 33 percent", 2, 1, 1, 1, 2},
		{"2 at 50 with surge", 2, 50, 1, 1, 1},
		{"2 at 99 with surge is 67 percent", 2, 99, 1, 2, 1},

		{"3 at 10", 3, 10, 0, 1, 2},
		{"3 at 25", 3, 25, 0, 1, 2},
		{"3 at 33", 3, 33, 0, 1, 2},
		{"3 at 34", 3, 34, 0, 1, 2},
		{"3 at 49", 3, 49, 0, 1, 2},
		{"3 at 50 tie goes to canary", 3, 50, 0, 2, 1},
		{"3 at 10 with surge is 25 percent", 3, 10, 1, 1, 3},
		{"3 at 25 with surge is 25 percent", 3, 25, 1, 1, 3},
		{"3 at 33 with surge", 3, 33, 1, 1, 2},
		{"3 at 34 with surge", 3, 34, 1, 1, 2},
		{"3 at 49 with surge is 50 percent", 3, 49, 1, 2, 2},
		{"3 at 50 with surge is 50 percent", 3, 50, 1, 2, 2},

		{"10 at 1", 10, 1, 0, 1, 9},
		{"10 at 14", 10, 14, 0, 1, 9},
		{"10 at 15 tie goes to canary", 10, 15, 0, 2, 8},
		{"10 at 16", 10, 16, 0, 2, 8},
		{"10 at 99", 10, 99, 0, 9, 1},
		{"10 at 0 with surge", 10, 0, 1, 0, 10},
		{"10 at 1 with surge is 9.1 percent", 10, 1, 1, 1, 10},
		{"10 at 18 with surge is 18.2 percent", 10, 18, 1, 2, 9},
		{"10 at 19 with surge is 18.2 percent", 10, 19, 1, 2, 9},
		{"10 at 20 with surge", 10, 20, 1, 2, 8},
		{"10 at 23 with surge", 10, 23, 1, 2, 8},
		{"10 at 24 with surge is 27.3 percent", 10, 24, 1, 3, 8},
		{"10 at 25 with surge is 27.3 percent", 10, 25, 1, 3, 8},
		{"10 at 99 with surge is 90.9 percent", 10, 99, 1, 10, 1},
		{"10 at 100 with surge", 10, 100, 1, 10, 0},

		{"quirk 2 at 75 without surge keeps all stable", 2, 75, 0, 0, 2},
		{"quirk 10 at 95 without surge keeps all stable", 10, 95, 0, 0, 10},
		{"2 at 75 with surge", 2, 75, 1, 2, 1},
		{"10 at 95 with surge", 10, 95, 1, 10, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			canary, stable, err := ArgoBasicCanaryReplicas(tt.replicas, float64(tt.weight), tt.surge)
			if err != nil {
				t.Fatal(err)
			}
			if canary != tt.wantCanary || stable != tt.wantStable {
				t.Errorf("replicas %d weight %d surge %d: got canary %d stable %d, want %d %d",
					tt.replicas, tt.weight, tt.surge, canary, stable, tt.wantCanary, tt.wantStable)
			}
		})
	}
}

func TestArgoBasicCanaryReplicasInvalid(t *testing.T) {
	tests := []struct {
		name      string
		replicas  int
		weight    float64
		surge     int
		wantField string
	}{
		{"weight above 100", 10, 101, 1, "setWeight"},
		{"fractional weight", 10, 12.5, 1, "setWeight"},
		{"negative replicas", -1, 10, 1, "replicas"},
		{"negative surge", 10, 10, -1, "maxSurge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ArgoBasicCanaryReplicas(tt.replicas, tt.weight, tt.surge)
			wantFieldErr(t, err, tt.wantField)
		})
	}
}

func TestArgoTrafficRoutedCanaryReplicas(t *testing.T) {
	intp := func(n int) *int { return &n }
	floatp := func(f float64) *float64 { return &f }
	tests := []struct {
		name                   string
		replicas               int
		setWeight              float64
		scale                  *ArgoSetCanaryScale
		dynamicStableScale     bool
		wantCanary, wantStable int
	}{
		{"Argo example 10 at 10 percent keeps stable full", 10, 10, nil, false, 1, 10},
		{"Argo example dynamic stable scale 10 at 10 percent", 10, 10, nil, true, 1, 9},
		{"Argo example 10 at 0 percent", 10, 0, nil, false, 0, 10},
		{"Argo example 10 at 20 percent", 10, 20, nil, false, 2, 10},
		{"Argo example 10 at 25 percent rounds up", 10, 25, nil, false, 3, 10},
		{"Argo example 10 at 33 percent rounds up", 10, 33, nil, false, 4, 10},
		{"Argo example 10 at 99 percent", 10, 99, nil, false, 10, 10},
		{"setCanaryScale replicas", 10, 50, &ArgoSetCanaryScale{Replicas: intp(3)}, false, 3, 10},
		{"setCanaryScale weight is of spec.replicas, rounded up", 10, 0, &ArgoSetCanaryScale{WeightPercent: floatp(25)}, false, 3, 10},
		{"setCanaryScale replicas wins over weight", 4, 50, &ArgoSetCanaryScale{Replicas: intp(2), WeightPercent: floatp(2)}, false, 2, 4},
		{"matchTrafficWeight follows setWeight", 10, 30, &ArgoSetCanaryScale{MatchTrafficWeight: true}, false, 3, 10},
		{"dynamic stable scale rounds stable up", 10, 25, nil, true, 3, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			canary, stable, err := ArgoTrafficRoutedCanaryReplicas(tt.replicas, tt.setWeight, tt.scale, tt.dynamicStableScale)
			if err != nil {
				t.Fatal(err)
			}
			if canary != tt.wantCanary || stable != tt.wantStable {
				t.Errorf("got canary %d stable %d, want %d %d", canary, stable, tt.wantCanary, tt.wantStable)
			}
		})
	}
	invalid := []struct {
		name      string
		weight    float64
		scale     *ArgoSetCanaryScale
		wantField string
	}{
		{"empty setCanaryScale", 10, &ArgoSetCanaryScale{}, "setCanaryScale"},
		{"negative scale replicas", 10, &ArgoSetCanaryScale{Replicas: intp(-1)}, "setCanaryScale.replicas"},
		{"scale weight above 100", 10, &ArgoSetCanaryScale{WeightPercent: floatp(150)}, "setCanaryScale.weight"},
		{"setWeight negative", -5, nil, "setWeight"},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ArgoTrafficRoutedCanaryReplicas(10, tt.weight, tt.scale, false)
			wantFieldErr(t, err, tt.wantField)
		})
	}
}

// TestArgoBasicCanaryReplicasInvariants checks, over a grid, the properties
// Argo documents for the basic canary: counts sum to replicas or replicas+1
// (the latter only with surge), and for weights 1–99 on 2+ pods neither side
// is empty — except in the documented no-candidate quirk.
func TestArgoBasicCanaryReplicasInvariants(t *testing.T) {
	for replicas := 0; replicas <= 30; replicas++ {
		for weight := 0; weight <= 100; weight++ {
			for _, surge := range []int{0, 1} {
				name := fmt.Sprintf("r%d_w%d_s%d", replicas, weight, surge)
				canary, stable, err := ArgoBasicCanaryReplicas(replicas, float64(weight), surge)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				total := canary + stable
				if total != replicas && (surge == 0 || total != replicas+1) {
					t.Fatalf("%s: total %d", name, total)
				}
				quirk := surge == 0 && replicas > 1 && replicas*weight%100 == 50 && (replicas*weight+99)/100 == replicas
				if quirk {
					if canary != 0 || stable != replicas {
						t.Fatalf("%s: quirk case gave canary %d stable %d", name, canary, stable)
					}
					continue
				}
				if weight > 0 && weight < 100 && replicas+surge >= 2 && (canary == 0 || stable == 0) {
					t.Fatalf("%s: canary %d stable %d", name, canary, stable)
				}
			}
		}
	}
}

// TestArgoBasicCanaryScale replays the basic-canary rows (no traffic
// router, no setCanaryScale, not promoteFull) of Argo Rollouts'
// TestCalculateReplicaCountsForCanary (utils/replicaset/canary_test.go),
// with maxSurge and maxUnavailable resolved to pods as Argo resolves them.
func TestArgoBasicCanaryScale(t *testing.T) {
	tests := []struct {
		name                    string
		replicas, weight        int
		surge, unavailable      int
		stableSpec, stableAvail int
		canarySpec, canaryAvail int
		older                   int
		wantStable, wantCanary  int
	}{
		{"Do not add extra RSs in scaleDownCount when .Spec.Replica < AvailableReplicas", 10, 100, 3, 0, 7, 8, 6, 3, 0, 7, 6},
		{"Use max surge int to scale up canary", 10, 20, 2, 0, 10, 10, 0, 0, 0, 10, 2},
		{"Use max surge percentage to scale up canary (20%)", 10, 20, 2, 0, 10, 10, 0, 0, 0, 10, 2},
		{"Scale down extra stable replicas", 10, 20, 2, 0, 10, 10, 2, 2, 0, 8, 2},
		{"Do not go past max surge", 10, 30, 2, 0, 10, 10, 0, 0, 0, 10, 2},
		{"Use max unavailable int to scale down stableRS", 10, 20, 0, 2, 10, 10, 0, 0, 0, 8, 0},
		{"Use max unavailable percentage to scale down stableRS (20%)", 10, 20, 0, 2, 10, 10, 0, 0, 0, 8, 0},
		{"Do not go past max unavailable", 10, 30, 0, 2, 10, 10, 0, 0, 0, 8, 0},
		{"Use Max Surge and Max Unavailable", 10, 50, 2, 1, 10, 10, 0, 0, 0, 9, 2},
		{"Scale canaryRS to zero on setWeight of 0%", 10, 0, 1, 1, 10, 10, 1, 1, 0, 10, 0},
		{"Scale stable to zero on setWeight of 100%", 10, 100, 1, 1, 1, 1, 10, 10, 0, 0, 10},
		{"Do not scale canaryRS down to zero on non-zero weight", 1, 20, 1, 0, 1, 1, 0, 0, 0, 1, 1},
		{"Do not scale canaryRS down to zero on non-100 weight", 1, 90, 1, 0, 1, 1, 0, 0, 0, 1, 1},
		{"Scale canaryRS to zero on <50 weight without surge", 1, 49, 0, 1, 1, 1, 0, 0, 0, 1, 0},
		{"Scale stableRS down to zero on >=50 weight without surge", 1, 51, 0, 1, 1, 1, 0, 0, 0, 0, 0},
		{"Scale canaryRS to one on >=50 weight without surge and stable replicas", 1, 51, 0, 1, 0, 0, 0, 0, 0, 0, 1},
		{"Scale up Stable before canaryRS", 10, 30, 1, 0, 1, 1, 0, 0, 3, 7, 1},
		{"Scale down canaryRS and stable", 10, 30, 0, 3, 8, 5, 4, 4, 0, 7, 3},
		{"Scale down stable and canary available", 10, 100, 1, 0, 10, 2, 10, 8, 0, 2, 9},
		{"Do not scale down canaryRS or stable when older RS count >= scaleDownCount", 10, 30, 0, 1, 8, 6, 4, 2, 3, 8, 4},
		{"Do not round past maxSurge with uneven setWeight divisor", 10, 5, 0, 1, 10, 10, 0, 0, 0, 9, 0},
		{"Do not round past maxSurge with uneven setWeight divisor (part 2)", 10, 5, 0, 1, 9, 9, 0, 0, 0, 9, 1},
		{"Use maxUnavailable of 1 when percentage of maxUnavailable and maxSurge result in 0 replicas", 10, 10, 0, 1, 10, 10, 0, 0, 0, 9, 0},
		{"Ignore setCanaryScale when trafficRouting is missing and use setWeight for replicas", 10, 20, 2, 0, 10, 10, 0, 0, 0, 10, 2},
		{"honor maxSurge during scale up when stableRS unavailable", 4, 100, 1, 0, 4, 1, 0, 0, 0, 4, 1},
		{"scale down to maxunavailable without exceeding maxSurge", 3, 99, 0, 2, 3, 3, 0, 0, 0, 1, 0},
		{"scale down to maxunavailable without exceeding maxSurge (part 2)", 3, 99, 0, 2, 1, 1, 0, 0, 0, 1, 2},
		{"honor maxUnavailable during scale down stableRS unavailable", 4, 100, 1, 0, 4, 1, 1, 1, 0, 3, 1},
		{"honor maxUnavailable when aborting or reducing weight part 1", 4, 0, 1, 0, 0, 0, 4, 4, 0, 1, 4},
		{"honor maxUnavailable when aborting or reducing weight part 2", 4, 0, 1, 0, 1, 0, 4, 4, 0, 1, 4},
		{"honor maxUnavailable when aborting or reducing weight part 3", 4, 0, 1, 0, 1, 1, 4, 4, 0, 1, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, s, err := ArgoBasicCanaryScale(tc.replicas, float64(tc.weight), tc.surge, tc.unavailable,
				ArgoReplicaSet{Spec: tc.canarySpec, Available: tc.canaryAvail},
				ArgoReplicaSet{Spec: tc.stableSpec, Available: tc.stableAvail}, tc.older)
			if err != nil {
				t.Fatal(err)
			}
			if c != tc.wantCanary || s != tc.wantStable {
				t.Errorf("canary %d stable %d, want %d and %d", c, s, tc.wantCanary, tc.wantStable)
			}
		})
	}
}
