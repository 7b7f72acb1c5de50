package plan

import (
	"slices"
	"testing"
	"time"
)

func TestFlaggerSchedule(t *testing.T) {
	weightsEvery := func(interval time.Duration, ws ...float64) []Step {
		steps := make([]Step, len(ws))
		for i, w := range ws {
			steps[i] = Step{At: time.Duration(i) * interval, NewPercent: w}
		}
		return steps
	}
	var docsWeights []float64
	for w := 2.0; w <= 50; w += 2 {
		docsWeights = append(docsWeights, w)
	}
	tests := []struct {
		name string
		a    FlaggerAnalysis
		want FlaggerPlan
	}{
		{"docs example 2 percent steps to 50 take 25 minutes",
			FlaggerAnalysis{Interval: time.Minute, Threshold: 10, MaxWeightPercent: 50, StepWeightPercent: 2},
			FlaggerPlan{Mode: FlaggerProgressive, Steps: weightsEvery(time.Minute, docsWeights...),
				PromotionAt: 25 * time.Minute, MinDuration: 25 * time.Minute, RollbackAfter: 10 * time.Minute}},
		{"common example 10 percent steps to 50",
			FlaggerAnalysis{Interval: time.Minute, Threshold: 5, MaxWeightPercent: 50, StepWeightPercent: 10},
			FlaggerPlan{Mode: FlaggerProgressive, Steps: weightsEvery(time.Minute, 10, 20, 30, 40, 50),
				PromotionAt: 5 * time.Minute, MinDuration: 5 * time.Minute, RollbackAfter: 5 * time.Minute}},
		{"maxWeight defaults to 100, not 50",
			FlaggerAnalysis{Interval: 30 * time.Second, StepWeightPercent: 25},
			FlaggerPlan{Mode: FlaggerProgressive, Steps: weightsEvery(30*time.Second, 25, 50, 75, 100),
				PromotionAt: 2 * time.Minute, MinDuration: 2 * time.Minute, RollbackAfter: 30 * time.Second}},
		{"maxWeight not a multiple of stepWeight overshoots",
			FlaggerAnalysis{Interval: time.Minute, MaxWeightPercent: 50, StepWeightPercent: 20},
			FlaggerPlan{Mode: FlaggerProgressive, Steps: weightsEvery(time.Minute, 20, 40, 60),
				PromotionAt: 3 * time.Minute, MinDuration: 3 * time.Minute, RollbackAfter: time.Minute}},
		{"weights are capped at 100",
			FlaggerAnalysis{Interval: time.Minute, StepWeightPercent: 30},
			FlaggerPlan{Mode: FlaggerProgressive, Steps: weightsEvery(time.Minute, 30, 60, 90, 100),
				PromotionAt: 4 * time.Minute, MinDuration: 4 * time.Minute, RollbackAfter: time.Minute}},
		{"stepWeights 1 2 10 80 are used as listed",
			FlaggerAnalysis{Interval: time.Minute, StepWeightsPercent: []float64{1, 2, 10, 80}},
			FlaggerPlan{Mode: FlaggerProgressive, Steps: weightsEvery(time.Minute, 1, 2, 10, 80),
				PromotionAt: 4 * time.Minute, MinDuration: 4 * time.Minute, RollbackAfter: time.Minute}},
		{"stepWeight wins over stepWeights",
			FlaggerAnalysis{Interval: time.Minute, MaxWeightPercent: 20, StepWeightPercent: 10, StepWeightsPercent: []float64{1, 2}},
			FlaggerPlan{Mode: FlaggerProgressive, Steps: weightsEvery(time.Minute, 10, 20),
				PromotionAt: 2 * time.Minute, MinDuration: 2 * time.Minute, RollbackAfter: time.Minute}},
		{"stepWeightPromotion shifts back in steps",
			FlaggerAnalysis{Interval: time.Minute, MaxWeightPercent: 50, StepWeightPercent: 25, StepWeightPromotionPercent: 20},
			FlaggerPlan{Mode: FlaggerProgressive, Steps: weightsEvery(time.Minute, 25, 50),
				PromotionAt: 2 * time.Minute, MinDuration: 2 * time.Minute, RollbackAfter: time.Minute,
				PromotionSteps: minutes(3, 30, 4, 10, 5, 0)}},
		{"docs example A/B 10 iterations take 10 minutes",
			FlaggerAnalysis{Interval: time.Minute, Threshold: 2, Iterations: 10},
			FlaggerPlan{Mode: FlaggerIterations, PromotionAt: 10 * time.Minute, MinDuration: 10 * time.Minute, RollbackAfter: 2 * time.Minute}},
		{"iterations ignore step weights",
			FlaggerAnalysis{Interval: time.Minute, Iterations: 2, StepWeightPercent: 10},
			FlaggerPlan{Mode: FlaggerIterations, PromotionAt: 2 * time.Minute, MinDuration: 2 * time.Minute, RollbackAfter: time.Minute}},
		{"default interval 60s and threshold 1",
			FlaggerAnalysis{Iterations: 3},
			FlaggerPlan{Mode: FlaggerIterations, PromotionAt: 3 * time.Minute, MinDuration: 3 * time.Minute, RollbackAfter: time.Minute}},
		{"interval below 10s is raised to 10s",
			FlaggerAnalysis{Interval: time.Second, Threshold: 3, Iterations: 3},
			FlaggerPlan{Mode: FlaggerIterations, PromotionAt: 30 * time.Second, MinDuration: 30 * time.Second, RollbackAfter: 30 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FlaggerSchedule(tt.a)
			if err != nil {
				t.Fatal(err)
			}
			if got.Mode != tt.want.Mode || got.PromotionAt != tt.want.PromotionAt ||
				got.MinDuration != tt.want.MinDuration || got.RollbackAfter != tt.want.RollbackAfter {
				t.Errorf("got mode %s promotion %v min %v rollback %v, want %s %v %v %v",
					got.Mode, got.PromotionAt, got.MinDuration, got.RollbackAfter,
					tt.want.Mode, tt.want.PromotionAt, tt.want.MinDuration, tt.want.RollbackAfter)
			}
			if !slices.Equal(got.Steps, tt.want.Steps) {
				t.Errorf("Steps = %v, want %v", got.Steps, tt.want.Steps)
			}
			if !slices.Equal(got.PromotionSteps, tt.want.PromotionSteps) {
				t.Errorf("PromotionSteps = %v, want %v", got.PromotionSteps, tt.want.PromotionSteps)
			}
		})
	}
}

func TestFlaggerScheduleInvalid(t *testing.T) {
	tests := []struct {
		name      string
		a         FlaggerAnalysis
		wantField string
	}{
		{"nothing to advance", FlaggerAnalysis{Interval: time.Minute}, "stepWeight"},
		{"negative interval", FlaggerAnalysis{Interval: -time.Minute, StepWeightPercent: 10}, "interval"},
		{"negative threshold", FlaggerAnalysis{Threshold: -1, StepWeightPercent: 10}, "threshold"},
		{"negative iterations", FlaggerAnalysis{Iterations: -1}, "iterations"},
		{"stepWeight above 100", FlaggerAnalysis{StepWeightPercent: 120}, "stepWeight"},
		{"fractional maxWeight", FlaggerAnalysis{StepWeightPercent: 10, MaxWeightPercent: 50.5}, "maxWeight"},
		{"stepWeightPromotion negative", FlaggerAnalysis{StepWeightPercent: 10, StepWeightPromotionPercent: -10}, "stepWeightPromotion"},
		{"stepWeights not increasing", FlaggerAnalysis{StepWeightsPercent: []float64{10, 5}}, "stepWeights[1]"},
		{"stepWeights zero", FlaggerAnalysis{StepWeightsPercent: []float64{0, 5}}, "stepWeights[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FlaggerSchedule(tt.a)
			wantFieldErr(t, err, tt.wantField)
		})
	}
}
