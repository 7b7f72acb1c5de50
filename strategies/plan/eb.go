package plan

import (
	"fmt"
	"time"
)

// BatchSizeType is the aws:elasticbeanstalk:command BatchSizeType option: how
// BatchSize is read.
type BatchSizeType string

const (
	// BatchSizeTypePercentage reads BatchSize as a percentage (1–100) of the
	// EC2 instances in the environment's Auto Scaling group. It is the EB
	// default.
	BatchSizeTypePercentage BatchSizeType = "Percentage"
	// BatchSizeTypeFixed reads BatchSize as a number of instances (1 up to the
	// Auto Scaling group's MaxSize).
	BatchSizeTypeFixed BatchSizeType = "Fixed"
)

// EBRolling is the batch configuration of an Elastic Beanstalk Rolling or
// RollingWithAdditionalBatch deployment (namespace aws:elasticbeanstalk:command).
type EBRolling struct {
	// BatchSizeType is the BatchSizeType option. Default Percentage.
	BatchSizeType BatchSizeType
	// BatchSize is the BatchSize option: a percentage when BatchSizeType is
	// Percentage, an instance count when it is Fixed. Default 100. It is a
	// whole number in EB, so it is an int here although it may be a percentage.
	BatchSize int
}

// DefaultEBRolling returns EB's documented defaults: Percentage, 100 — that
// is, one batch holding the whole fleet.
func DefaultEBRolling() EBRolling {
	return EBRolling{BatchSizeType: BatchSizeTypePercentage, BatchSize: 100}
}

// Validate checks the options against EB's documented valid values:
// Percentage 1–100, Fixed 1 to the Auto Scaling group's MaxSize. maxSize is
// that MaxSize; pass 0 when it is unknown to skip the upper bound for Fixed.
func (c EBRolling) Validate(maxSize int) error {
	switch c.BatchSizeType {
	case BatchSizeTypePercentage:
		if c.BatchSize < 1 || c.BatchSize > 100 {
			return fieldErr("BatchSize", c.BatchSize, "1 to 100 when BatchSizeType is Percentage")
		}
	case BatchSizeTypeFixed:
		if maxSize <= 0 && c.BatchSize < 1 {
			return fieldErr("BatchSize", c.BatchSize, "1 or more instances when BatchSizeType is Fixed")
		}
		if maxSize > 0 && (c.BatchSize < 1 || c.BatchSize > maxSize) {
			return fieldErr("BatchSize", c.BatchSize,
				fmt.Sprintf("1 to the Auto Scaling group MaxSize (%d) when BatchSizeType is Fixed", maxSize))
		}
	default:
		return fieldErr("BatchSizeType", c.BatchSizeType, `"Percentage" or "Fixed"`)
	}
	return nil
}

// EBBatchSize returns the number of instances Elastic Beanstalk deploys to in
// one batch of a fleet of fleetSize instances.
//
// Choice: EB documents that a Percentage batch is "a percentage of the total
// number of EC2 instances in the Auto Scaling group" but not how a fraction is
// rounded. We round up, and never below one instance: rounding down would make
// small fleets impossible to deploy (25 % of 3 instances would be 0), and the
// default of EB's neighbouring MaxBatchSize option (configuration updates),
// one third of MinSize, is documented as "rounded to the next highest
// integer". A Fixed batch larger than the fleet
// is capped at the fleet size (the option is validated against MaxSize, not
// against the current desired capacity).
func EBBatchSize(c EBRolling, fleetSize int) (int, error) {
	if err := c.Validate(0); err != nil {
		return 0, err
	}
	if fleetSize < 1 {
		return 0, fieldErr("fleetSize", fleetSize, "1 or more instances")
	}
	var n int
	if c.BatchSizeType == BatchSizeTypeFixed {
		n = c.BatchSize
	} else {
		n = max(1, ceilPercentOf(fleetSize, float64(c.BatchSize)))
	}
	return min(n, fleetSize), nil
}

// EBBatches splits a fleet of fleetSize instances into the batches a Rolling
// deployment processes one after another. Every batch has EBBatchSize
// instances except the last, which holds the remainder. During a batch the
// environment serves with fleetSize minus that batch's size.
//
// Example (the EB guide's 25 % example applied to 10 instances): batch size
// ⌈2.5⌉ = 3, batches [3 3 3 1].
func EBBatches(c EBRolling, fleetSize int) ([]int, error) {
	size, err := EBBatchSize(c, fleetSize)
	if err != nil {
		return nil, err
	}
	batches := make([]int, 0, (fleetSize+size-1)/size)
	for left := fleetSize; left > 0; left -= size {
		batches = append(batches, min(size, left))
	}
	return batches, nil
}

// EBAdditionalBatchPlan is the shape of a RollingWithAdditionalBatch
// deployment.
type EBAdditionalBatchPlan struct {
	// AdditionalBatch is the number of new instances launched, running the
	// new version, before any existing instance is taken out of service.
	AdditionalBatch int
	// Batches are the rolling batches over the original fleet, as EBBatches.
	Batches []int
	// PeakInstances is fleetSize + AdditionalBatch.
	PeakInstances int
	// MinInService is the smallest number of instances in service during the
	// deployment: fleetSize, because the extra batch covers each batch taken
	// out of service. That is the point of the policy.
	MinInService int
}

// EBRollingWithAdditionalBatch plans a RollingWithAdditionalBatch deployment:
// EB "launches an extra batch of instances, prior to starting the deployment,
// to maintain full capacity", deploys to the existing instances batch by
// batch, and terminates the additional batch when the deployment completes.
//
// Choice: EB does not say which instances it terminates at the end; we only
// plan counts. The extra batch has the size of one batch (EBBatchSize), as
// the EB guide's Fixed example ("bring up an extra batch of five instances")
// shows.
func EBRollingWithAdditionalBatch(c EBRolling, fleetSize int) (EBAdditionalBatchPlan, error) {
	batches, err := EBBatches(c, fleetSize)
	if err != nil {
		return EBAdditionalBatchPlan{}, err
	}
	extra := batches[0]
	return EBAdditionalBatchPlan{
		AdditionalBatch: extra,
		Batches:         batches,
		PeakInstances:   fleetSize + extra,
		MinInService:    fleetSize,
	}, nil
}

// EBImmutablePlan is the shape of an Elastic Beanstalk immutable update.
type EBImmutablePlan struct {
	// FirstInstances is launched alone in the temporary Auto Scaling group
	// and must pass health checks first: always 1.
	FirstInstances int
	// RemainingInstances is launched next, so that the temporary group
	// matches the original group's size.
	RemainingInstances int
	// PeakInstances is old plus new: twice the fleet, for a short time.
	PeakInstances int
}

// EBImmutable plans an immutable update of a fleet of fleetSize instances:
// EB creates a temporary Auto Scaling group behind the same load balancer,
// launches a single new instance, and when it passes health checks launches
// the rest to match the original group; when all pass, the new instances move
// into the original group and the old ones are terminated.
func EBImmutable(fleetSize int) (EBImmutablePlan, error) {
	if fleetSize < 1 {
		return EBImmutablePlan{}, fieldErr("fleetSize", fleetSize, "1 or more instances")
	}
	return EBImmutablePlan{
		FirstInstances:     1,
		RemainingInstances: fleetSize - 1,
		PeakInstances:      2 * fleetSize,
	}, nil
}

// EBTrafficSplitting is the aws:elasticbeanstalk:trafficsplitting namespace,
// used when DeploymentPolicy is TrafficSplitting.
type EBTrafficSplitting struct {
	// NewVersionPercent is the NewVersionPercent option: the initial share
	// of client traffic sent to the new instances. Whole number 1–100,
	// default 10.
	NewVersionPercent float64
	// EvaluationTime is the EvaluationTime option (minutes in EB): how long
	// EB waits after the new instances are healthy before shifting all
	// traffic. Whole minutes 3–600, default 5 minutes.
	EvaluationTime time.Duration
}

// DefaultEBTrafficSplitting returns EB's documented defaults: 10 % for 5
// minutes.
func DefaultEBTrafficSplitting() EBTrafficSplitting {
	return EBTrafficSplitting{NewVersionPercent: 10, EvaluationTime: 5 * time.Minute}
}

// Validate checks the options against EB's documented valid values.
func (c EBTrafficSplitting) Validate() error {
	if !isWhole(c.NewVersionPercent) || !inRange(c.NewVersionPercent, 1, 100) {
		return fieldErr("NewVersionPercent", c.NewVersionPercent, "a whole number from 1 to 100")
	}
	if !wholeMinutes(c.EvaluationTime) || c.EvaluationTime < 3*time.Minute || c.EvaluationTime > 600*time.Minute {
		return fieldErr("EvaluationTime", c.EvaluationTime, "whole minutes from 3m to 600m")
	}
	return nil
}

// Schedule returns the traffic schedule of a traffic-splitting deployment.
// At 0 is the moment the full set of new instances (launched as for an
// immutable update) has passed health checks; NewVersionPercent goes to them
// for EvaluationTime, then all traffic does.
func (c EBTrafficSplitting) Schedule() ([]Step, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.NewVersionPercent == 100 {
		return []Step{{At: 0, NewPercent: 100}}, nil
	}
	return []Step{
		{At: 0, NewPercent: c.NewVersionPercent},
		{At: c.EvaluationTime, NewPercent: 100},
	}, nil
}
