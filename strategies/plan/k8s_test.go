package plan

import "testing"

func TestParseIntOrPercent(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    IntOrPercent
		wantErr bool
	}{
		{"percent", "25%", PercentValue(25), false},
		{"count", "3", IntValue(3), false},
		{"zero percent", "0%", PercentValue(0), false},
		{"negative count parses, validation rejects", "-1", IntValue(-1), false},
		{"fractional percent", "25.5%", IntOrPercent{}, true},
		{"empty", "", IntOrPercent{}, true},
		{"bare percent sign", "%", IntOrPercent{}, true},
		{"space", " 25%", IntOrPercent{}, true},
		{"double percent", "25%%", IntOrPercent{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseIntOrPercent(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseIntOrPercent(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseIntOrPercent(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if err == nil && got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func FuzzParseIntOrPercent(f *testing.F) {
	for _, s := range []string{"25%", "3", "", "%", "-0%", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseIntOrPercent(s)
		if err != nil {
			return
		}
		again, err := ParseIntOrPercent(v.String())
		if err != nil || again != v {
			t.Fatalf("round trip of %q: %+v then %+v, %v", s, v, again, err)
		}
	})
}

func TestResolveK8sRollingUpdate(t *testing.T) {
	tests := []struct {
		name     string
		ru       K8sRollingUpdate
		replicas int
		want     K8sRollingLimits
	}{
		{"defaults on 10: surge rounds up, unavailable down", DefaultK8sRollingUpdate(), 10,
			K8sRollingLimits{MaxSurgePods: 3, MaxUnavailablePods: 2, MaxTotalPods: 13, MinAvailablePods: 8}},
		{"defaults on 4", DefaultK8sRollingUpdate(), 4,
			K8sRollingLimits{MaxSurgePods: 1, MaxUnavailablePods: 1, MaxTotalPods: 5, MinAvailablePods: 3}},
		{"defaults on 1: unavailable rounds to 0", DefaultK8sRollingUpdate(), 1,
			K8sRollingLimits{MaxSurgePods: 1, MaxUnavailablePods: 0, MaxTotalPods: 2, MinAvailablePods: 1}},
		{"docs example 30 percent of 10", K8sRollingUpdate{PercentValue(30), PercentValue(30)}, 10,
			K8sRollingLimits{MaxSurgePods: 3, MaxUnavailablePods: 3, MaxTotalPods: 13, MinAvailablePods: 7}},
		{"fencepost comment: 2 desired, unavailable 1 percent, surge 0 percent", K8sRollingUpdate{PercentValue(0), PercentValue(1)}, 2,
			K8sRollingLimits{MaxSurgePods: 0, MaxUnavailablePods: 1, MaxTotalPods: 2, MinAvailablePods: 1}},
		{"fencepost comment: 2 desired, unavailable 25 percent, surge 1 percent", K8sRollingUpdate{PercentValue(1), PercentValue(25)}, 2,
			K8sRollingLimits{MaxSurgePods: 1, MaxUnavailablePods: 0, MaxTotalPods: 3, MinAvailablePods: 2}},
		{"fencepost comment: 1 desired, unavailable 0 percent, surge 1 percent", K8sRollingUpdate{PercentValue(1), PercentValue(0)}, 1,
			K8sRollingLimits{MaxSurgePods: 1, MaxUnavailablePods: 0, MaxTotalPods: 2, MinAvailablePods: 1}},
		{"absolute values", K8sRollingUpdate{IntValue(2), IntValue(0)}, 5,
			K8sRollingLimits{MaxSurgePods: 2, MaxUnavailablePods: 0, MaxTotalPods: 7, MinAvailablePods: 5}},
		{"absolute unavailable above replicas", K8sRollingUpdate{IntValue(0), IntValue(5)}, 3,
			K8sRollingLimits{MaxSurgePods: 0, MaxUnavailablePods: 5, MaxTotalPods: 3, MinAvailablePods: 0}},
		{"surge above 100 percent is allowed", K8sRollingUpdate{PercentValue(150), IntValue(0)}, 2,
			K8sRollingLimits{MaxSurgePods: 3, MaxUnavailablePods: 0, MaxTotalPods: 5, MinAvailablePods: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResolveK8sRollingUpdate(tt.ru, tt.replicas)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestK8sRollingUpdateValidate(t *testing.T) {
	tests := []struct {
		name      string
		ru        K8sRollingUpdate
		wantField string
	}{
		{"both literal zero", K8sRollingUpdate{IntValue(0), IntValue(0)}, "maxUnavailable"},
		{"both zero percent", K8sRollingUpdate{PercentValue(0), PercentValue(0)}, "maxUnavailable"},
		{"zero and zero percent", K8sRollingUpdate{IntValue(0), PercentValue(0)}, "maxUnavailable"},
		{"unavailable above 100 percent", K8sRollingUpdate{PercentValue(25), PercentValue(101)}, "maxUnavailable"},
		{"negative surge", K8sRollingUpdate{IntValue(-1), IntValue(1)}, "maxSurge"},
		{"negative unavailable", K8sRollingUpdate{IntValue(1), PercentValue(-5)}, "maxUnavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ResolveK8sRollingUpdate(tt.ru, 10)
			wantFieldErr(t, err, tt.wantField)
		})
	}
}
