// Package plan holds the pure planning arithmetic that deploysim's strategy
// controllers use: how many instances go in a batch, how many tasks may be
// stopped at once, which traffic weight applies at which minute.
//
// Every function here is a leaf: no clock, no randomness, no I/O, no
// package state. A controller reads its configuration, asks this package for
// the plan, and then executes the plan against the world through the
// strategy contract. Keeping the arithmetic here means each rounding rule is
// written once, next to the documentation it comes from, and is covered by
// named-row table tests built from the source tool's documented examples.
//
// # Sources and where the facts come from
//
//   - eb.go: AWS Elastic Beanstalk rolling, rolling with additional batch,
//     immutable and traffic-splitting deployments
//     (aws:elasticbeanstalk:command, aws:elasticbeanstalk:trafficsplitting).
//   - codedeploy.go: AWS CodeDeploy minimum healthy hosts and deployment
//     order for EC2/on-premises, and every predefined ECS and Lambda
//     traffic-shifting configuration by its exact name.
//   - ecs.go: Amazon ECS rolling updates (minimumHealthyPercent,
//     maximumPercent), the deployment circuit breaker threshold, and ECS
//     native linear and canary deployments.
//   - k8s.go: Kubernetes Deployment RollingUpdate (maxSurge,
//     maxUnavailable) and the int-or-percent values they take.
//   - argo.go: Argo Rollouts canary replica counts, with and without a
//     traffic router (setWeight, setCanaryScale).
//   - flagger.go: Flagger canary analysis schedules (interval, threshold,
//     stepWeight, stepWeights, maxWeight, stepWeightPromotion, iterations).
//   - asg.go: EC2 Auto Scaling instance refresh (MinHealthyPercentage,
//     MaxHealthyPercentage).
//   - cloudformation.go: AWS CloudFormation's AutoScalingRollingUpdate
//     batches (MaxBatchSize, MinInstancesInService, MaxSize), signal
//     counts (MinSuccessfulInstancesPercent, CreationPolicy) and ISO 8601
//     durations (PauseTime, Timeout).
//   - zonal.go: CodeDeploy zonal deployments (zonalConfig: monitor
//     durations, minimum healthy hosts per zone).
//   - ssm.go: AWS Systems Manager rate controls (MaxConcurrency,
//     MaxErrors, the exponential ramp) and maintenance windows (schedule,
//     duration, cutoff).
//
// # Conventions
//
// Percentages are float64 values from 0 to 100 in fields whose names end in
// Percent, even where the source tool spells the field "Percentage"; the
// doc comment of each field names the source field. Durations are
// time.Duration. Counts of instances, tasks or pods are int.
//
// Converting a percentage of a count into a count always states its rounding
// direction, because the tools differ and the difference is visible to users:
// CodeDeploy and ECS round a minimum healthy count up, ECS rounds its
// maximum down, Kubernetes rounds maxSurge up and maxUnavailable down, Argo
// Rollouts picks the closest achievable weight. A small slack (1e-9) is
// applied before rounding so that values such as 10 × 70 % land on 7 even
// when floating point produces 7.000000000000001.
//
// Invalid configuration is returned as a *FieldError that names the field,
// the rejected value and the allowed values. Where the documentation is
// silent and this package had to choose, the doc comment says so with the
// words "Choice:" so the decisions can be found with grep.
package plan
