package plan

import (
	"slices"
	"testing"
	"time"
)

func TestEBBatches(t *testing.T) {
	tests := []struct {
		name        string
		cfg         EBRolling
		fleet       int
		wantSize    int
		wantBatches []int
	}{
		{"default 100 percent is one batch", DefaultEBRolling(), 4, 4, []int{4}},
		{"25 percent on 8 instances", EBRolling{BatchSizeTypePercentage, 25}, 8, 2, []int{2, 2, 2, 2}},
		{"25 percent of 10 rounds up to 3", EBRolling{BatchSizeTypePercentage, 25}, 10, 3, []int{3, 3, 3, 1}},
		{"30 percent of 4 rounds up to 2", EBRolling{BatchSizeTypePercentage, 30}, 4, 2, []int{2, 2}},
		{"1 percent of 3 is never zero", EBRolling{BatchSizeTypePercentage, 1}, 3, 1, []int{1, 1, 1}},
		{"50 percent of a single instance", EBRolling{BatchSizeTypePercentage, 50}, 1, 1, []int{1}},
		{"EB guide fixed 5", EBRolling{BatchSizeTypeFixed, 5}, 12, 5, []int{5, 5, 2}},
		{"fixed larger than fleet is capped", EBRolling{BatchSizeTypeFixed, 5}, 3, 3, []int{3}},
		{"fixed 1 is one at a time", EBRolling{BatchSizeTypeFixed, 1}, 3, 1, []int{1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			size, err := EBBatchSize(tt.cfg, tt.fleet)
			if err != nil {
				t.Fatal(err)
			}
			if size != tt.wantSize {
				t.Errorf("EBBatchSize = %d, want %d", size, tt.wantSize)
			}
			batches, err := EBBatches(tt.cfg, tt.fleet)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(batches, tt.wantBatches) {
				t.Errorf("EBBatches = %v, want %v", batches, tt.wantBatches)
			}
		})
	}
}

func TestEBRollingValidate(t *testing.T) {
	tests := []struct {
		name      string
		cfg       EBRolling
		maxSize   int
		wantField string
	}{
		{"percentage 0", EBRolling{BatchSizeTypePercentage, 0}, 0, "BatchSize"},
		{"percentage 101", EBRolling{BatchSizeTypePercentage, 101}, 0, "BatchSize"},
		{"fixed 0", EBRolling{BatchSizeTypeFixed, 0}, 4, "BatchSize"},
		{"fixed above MaxSize", EBRolling{BatchSizeTypeFixed, 5}, 4, "BatchSize"},
		{"unknown type", EBRolling{"Percent", 25}, 0, "BatchSizeType"},
		{"empty type", EBRolling{}, 0, "BatchSizeType"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFieldErr(t, tt.cfg.Validate(tt.maxSize), tt.wantField)
		})
	}
	t.Run("fleet of zero", func(t *testing.T) {
		_, err := EBBatches(DefaultEBRolling(), 0)
		wantFieldErr(t, err, "fleetSize")
	})
	t.Run("fixed within MaxSize is valid", func(t *testing.T) {
		if err := (EBRolling{BatchSizeTypeFixed, 4}).Validate(4); err != nil {
			t.Fatal(err)
		}
	})
}

func TestEBRollingWithAdditionalBatch(t *testing.T) {
	tests := []struct {
		name string
		cfg  EBRolling
		want EBAdditionalBatchPlan
	}{
		{"EB guide fixed 5 on 10", EBRolling{BatchSizeTypeFixed, 5}, EBAdditionalBatchPlan{
			AdditionalBatch: 5, Batches: []int{5, 5}, PeakInstances: 15, MinInService: 10}},
		{"25 percent on 10", EBRolling{BatchSizeTypePercentage, 25}, EBAdditionalBatchPlan{
			AdditionalBatch: 3, Batches: []int{3, 3, 3, 1}, PeakInstances: 13, MinInService: 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EBRollingWithAdditionalBatch(tt.cfg, 10)
			if err != nil {
				t.Fatal(err)
			}
			if got.AdditionalBatch != tt.want.AdditionalBatch || !slices.Equal(got.Batches, tt.want.Batches) ||
				got.PeakInstances != tt.want.PeakInstances || got.MinInService != tt.want.MinInService {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestEBImmutable(t *testing.T) {
	tests := []struct {
		name  string
		fleet int
		want  EBImmutablePlan
	}{
		{"single instance", 1, EBImmutablePlan{FirstInstances: 1, RemainingInstances: 0, PeakInstances: 2}},
		{"ten instances", 10, EBImmutablePlan{FirstInstances: 1, RemainingInstances: 9, PeakInstances: 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EBImmutable(tt.fleet)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	t.Run("empty fleet", func(t *testing.T) {
		_, err := EBImmutable(0)
		wantFieldErr(t, err, "fleetSize")
	})
}

func TestEBTrafficSplitting(t *testing.T) {
	tests := []struct {
		name string
		cfg  EBTrafficSplitting
		want []Step
	}{
		{"documented defaults 10 percent for 5 minutes", DefaultEBTrafficSplitting(), minutes(0, 10, 5, 100)},
		{"minimum evaluation time", EBTrafficSplitting{NewVersionPercent: 25, EvaluationTime: 3 * time.Minute}, minutes(0, 25, 3, 100)},
		{"100 percent is a single shift", EBTrafficSplitting{NewVersionPercent: 100, EvaluationTime: 5 * time.Minute}, minutes(0, 100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cfg.Schedule()
			if err != nil {
				t.Fatal(err)
			}
			wantSteps(t, got, tt.want)
		})
	}
}

func TestEBTrafficSplittingValidate(t *testing.T) {
	tests := []struct {
		name      string
		cfg       EBTrafficSplitting
		wantField string
	}{
		{"percent 0", EBTrafficSplitting{0, 5 * time.Minute}, "NewVersionPercent"},
		{"percent fractional", EBTrafficSplitting{10.5, 5 * time.Minute}, "NewVersionPercent"},
		{"evaluation below 3 minutes", EBTrafficSplitting{10, 2 * time.Minute}, "EvaluationTime"},
		{"evaluation above 600 minutes", EBTrafficSplitting{10, 601 * time.Minute}, "EvaluationTime"},
		{"evaluation not whole minutes", EBTrafficSplitting{10, 5*time.Minute + time.Second}, "EvaluationTime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.cfg.Schedule()
			wantFieldErr(t, err, tt.wantField)
		})
	}
}
