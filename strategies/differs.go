package strategies

// differs lists, per strategy, where deploysim still departs from the
// tool the controller is named after, so that a user knows the limits of
// what the simulation shows. `deploysim explain` and docs/strategies.md
// print it.
var differs = map[string][]string{
	"all-at-once": {
		"The in-place lifecycle follows CodeDeploy's events for every variant; Elastic Beanstalk's own platform hooks and .ebextensions commands are not modelled step by step.",
		"Elastic Beanstalk does not document what an instance launched in the middle of a deployment gets; deploysim's deployment sets the version new instances get when it starts (and back to the last successful one when it fails).",
		"With deployment_config CodeDeployDefault.AllAtOnce every trigger rolls back, as if automatic rollback (autoRollbackConfiguration) were configured for it; CodeDeploy rolls back only on the events you enable.",
		"Variant recreate: a Kubernetes Deployment never rolls itself back; a trigger stands for the person running kubectl rollout undo.",
	},
	"rolling": {
		"eb: a batch's instance counts as healthy after its first passing load balancer check; enhanced health's rule (12 consecutive OK checks within two minutes) and HealthCheckSuccessThreshold are not modelled.",
		"eb: a machine that dies under its batch fails the deployment, as an instance whose command failed; Elastic Beanstalk's handling of an instance terminated mid-command is not documented.",
		"eb: after a failed deployment the environment is watched for bake_time; a person who acts later than that is not simulated.",
		"codedeploy: every trigger rolls back, as if autoRollbackConfiguration were on.",
		"codedeploy zonal_config: zones go in name order and a per-zone FLEET_PERCENT is rounded up as the overall one is; CodeDeploy documents neither.",
		"cloudformation: without signals a batch is done when its instances are launched and the terminated ones gone; the minute an EC2 instance takes to reach Auto Scaling's InService is not modelled apart from the application's boot.",
		"cloudformation: an instance's cfn-signal is a success sent when its application first comes up; the simulated world sends no FAILURE signals (a bootstrap that fails), so only timeouts fail signals.",
		"cloudformation: the rollback uses the same update policy (CloudFormation uses the previous template's); stack rollback triggers (RollbackConfiguration alarms, MonitoringTimeInMinutes) stand as rollback.alarms and bake_time; a group that never settles is bounded by progress_deadline (CloudFormation's own stabilisation timeout is not documented).",
		"ecs: a task starts with the platform's instance boot time (there are no separate task start times yet); the circuit breaker sees tasks at each poll_interval, so failures and a task turning healthy within one poll are ordered healthy first; tasks that cannot be placed for lack of capacity are not counted; threshold types other than COUNT and the default BOUNDED_PERCENT 50 are not offered; ECS's throttling of repeatedly failing task launches is not modelled.",
		"k8s: a pod is ready when its instance passes the load balancer check; minReadySeconds and container restart back-off are not modelled.",
	},
	"rolling-with-additional-batch": {
		"As eb rolling: health after the first passing check, a dying machine fails the deployment, the failed environment watched for bake_time only.",
		"After a failed deployment the additional batch stays in the group until the manual redeploy (Elastic Beanstalk's behaviour here is not documented).",
		"The manual redeploy of the previous version is simulated as Elastic Beanstalk would run it with the same policy: an additional batch of the old version first.",
	},
	"immutable": {
		"eb: Elastic Beanstalk moves the new instances into the environment's group and deletes the temporary one; deploysim keeps the temporary group as the live one (no AttachInstances in the contract).",
		"instance-refresh: checkpoints, skip matching and a configurable instance warmup are not modelled (warmup is a fixed 10 s).",
		"New instances are healthy after their first passing load balancer check (enhanced health not modelled).",
		"cloudformation: without a creation_policy the replacement group counts as created once its instances are launched; the stack's other resources are not updated between the group's creation and the cleanup.",
		"cloudformation: cfn-signal is a success when the application first comes up; no FAILURE signals are sent.",
	},
	"traffic-splitting": {
		"Elastic Beanstalk's health evaluation during EvaluationTime is simplified to: every new instance healthy in its target group; enhanced health's request-based causes are not modelled.",
	},
	"blue-green": {
		"Creating an environment or load balancer takes no time: Elastic Beanstalk's clone environment and an ALB's provisioning take minutes, so a real blue/green starts later than shown.",
		"CodeDeploy blue/green: green instances boot with the application (its first deployment is part of the boot time); registration in batches is not modelled.",
		"Argo blueGreen: previewService gets no traffic (no tests against green are simulated); abortScaleDownDelaySeconds is not offered: after an abort green is removed at once.",
	},
	"canary": {
		"Flagger: no load tester is simulated, so in blue/green mode (iterations) the checks before the switch see no traffic and are skipped; real Flagger halts on \"no values found\" without one.",
		"Flagger: A/B testing sends match_percent of the requests to the canary by weight, not by header or cookie, so one user may see both versions.",
		"Flagger: webhooks (load tests, confirm-rollout/-promotion/-traffic-increase gates), mirroring, session affinity, primaryReadyThreshold and canaryReadyThreshold (every instance must be ready) are not simulated; the primary's rolling update uses Kubernetes' defaults (25 %/25 %), not the strategy copied from the canary.",
		"Flagger: once promotion has begun Flagger no longer rolls back; a deploysim trigger (the human, an alarm) that fires then rolls the primary back to the previous version.",
		"Argo: dynamicStableScale, minPodsPerReplicaSet and replicaProgressThreshold are not modelled; there is one previous revision (no older ReplicaSets); analysis runs from the start of the rollout (startingStep not offered); experiments, header and mirror routes are not simulated.",
		"CodeDeploy and ECS configurations: the replacement fleet is scaled down at 100 % and their bake or termination wait becomes rollback.bake_time; a rollback in that time relaunches the old fleet.",
	},
	"linear": {
		"CodeDeploy and ECS: the old fleet is scaled down at 100 % and the bake or termination wait becomes rollback.bake_time; a rollback in that time relaunches the old fleet.",
		"Tasks start with the platform's instance boot time (no separate ECS task start times yet).",
	},
	"ab-test": {
		"The split is by weight (Route 53 or ALB), not by user attribute; the Kayenta judge decides once, at the end of the experiment. Flagger's A/B testing, which checks every interval, is canary with flagger iterations and match_percent.",
	},
	"systems-manager": {
		"An invocation runs the in-place lifecycle steps (a hook-failure fault fails it); the steps of a Systems Manager document are not modelled one by one.",
		"The ramp (1, 2, 4, …) doubles once as many invocations have finished as the window held, and percentages of targets round down: the documentation states neither exactly.",
		"operation patch always reboots (RebootIfNeeded with patches to install); the patch's own boot-time checks are not modelled.",
		"Maintenance windows: the simulated day starts at 00:00 UTC; weekly, monthly and dated schedules, time zones and start/end dates are not offered. With CANCEL_TASK a Run Command's invocations in flight always complete (CancelCommand only attempts to stop them).",
		"Invocations go to the instances that were live when the command started (the targets are resolved once, as for instance IDs); instances the group launches later come up on the new version.",
	},
	"feature-toggle": {
		"A flag change reaches every request at once (no SDK polling or cache delay); cohorts are a stable hash of the user.",
	},
}
