package plan

import "testing"

func TestInstanceRefreshBatch(t *testing.T) {
	tests := []struct {
		name    string
		prefs   InstanceRefreshPreferences
		desired int
		want    InstanceRefreshLimits
	}{
		{"defaults on 10 replace one at a time", DefaultInstanceRefreshPreferences(), 10,
			InstanceRefreshLimits{MinHealthyInstances: 9, MaxInstances: 10, ReplacePerStep: 1}},
		{"defaults on 20 replace two", DefaultInstanceRefreshPreferences(), 20,
			InstanceRefreshLimits{MinHealthyInstances: 18, MaxInstances: 20, ReplacePerStep: 2}},
		{"defaults on 25: 22.5 rounds up to 23", DefaultInstanceRefreshPreferences(), 25,
			InstanceRefreshLimits{MinHealthyInstances: 23, MaxInstances: 25, ReplacePerStep: 2}},
		{"defaults on 4: rounding leaves no room, still one", DefaultInstanceRefreshPreferences(), 4,
			InstanceRefreshLimits{MinHealthyInstances: 4, MaxInstances: 4, ReplacePerStep: 1}},
		{"documented 100 percent is one at a time", InstanceRefreshPreferences{100, 100}, 10,
			InstanceRefreshLimits{MinHealthyInstances: 10, MaxInstances: 10, ReplacePerStep: 1}},
		{"documented 0 percent replaces all at once", InstanceRefreshPreferences{0, 100}, 10,
			InstanceRefreshLimits{MinHealthyInstances: 0, MaxInstances: 10, ReplacePerStep: 10}},
		{"launch before terminate 100 to 150", InstanceRefreshPreferences{100, 150}, 10,
			InstanceRefreshLimits{MinHealthyInstances: 10, MaxInstances: 15, ReplacePerStep: 5}},
		{"maximum rounds down: 110 percent of 5", InstanceRefreshPreferences{100, 110}, 5,
			InstanceRefreshLimits{MinHealthyInstances: 5, MaxInstances: 5, ReplacePerStep: 1}},
		{"never more than the group", InstanceRefreshPreferences{0, 100}, 3,
			InstanceRefreshLimits{MinHealthyInstances: 0, MaxInstances: 3, ReplacePerStep: 3}},
		{"wide range capped at the group", InstanceRefreshPreferences{50, 150}, 4,
			InstanceRefreshLimits{MinHealthyInstances: 2, MaxInstances: 6, ReplacePerStep: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := InstanceRefreshBatch(tt.prefs, tt.desired)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestInstanceRefreshPreferencesValidate(t *testing.T) {
	tests := []struct {
		name      string
		prefs     InstanceRefreshPreferences
		desired   int
		wantField string
	}{
		{"minimum above 100", InstanceRefreshPreferences{101, 200}, 10, "MinHealthyPercentage"},
		{"minimum fractional", InstanceRefreshPreferences{90.5, 100}, 10, "MinHealthyPercentage"},
		{"maximum below 100", InstanceRefreshPreferences{90, 99}, 10, "MaxHealthyPercentage"},
		{"maximum above 200", InstanceRefreshPreferences{100, 201}, 10, "MaxHealthyPercentage"},
		{"range wider than 100", InstanceRefreshPreferences{0, 150}, 10, "MaxHealthyPercentage"},
		{"empty group", DefaultInstanceRefreshPreferences(), 0, "desired capacity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := InstanceRefreshBatch(tt.prefs, tt.desired)
			wantFieldErr(t, err, tt.wantField)
		})
	}
}
