package strategies

// The texts of `deploysim explain NAME`. Each says how the strategy works,
// what it costs, when not to use it, how it rolls back, and its config.

const rollbackFields = `
Rollback (key "rollback", every strategy):
  alarms: [names]             CloudWatch alarms; ALARM triggers a rollback (CodeDeploy alarmConfiguration)
  analysis: [metrics]         Argo AnalysisTemplate metrics run in the background: name, metric
                              (error_rate|success_rate|latency_p50|p90|p99|mean|requests), scope
                              (canary|stable|all), interval 1m, count, initial_delay, success_condition,
                              failure_condition (expr over result[0]), failure_limit 0, inconclusive_limit 0,
                              consecutive_error_limit 4
  judge: {...}                Kayenta judge while both versions serve: metrics [{name, direction, critical,
                              allowed_increase}] (default error_rate critical, latency_p99 allowed 1.2),
                              interval 5m, period 10s, pass 95, marginal 75
  circuit_breaker: {enable, rollback, threshold, reset_on_healthy_task true}
                              ECS: counts failed new-revision tasks (stopped without the deployment
                              stopping them, marked unhealthy, failed in-place deploys) and stops at
                              ⌈0.5 × desired⌉ clamped 3..200 (threshold: a count instead); a task that turns
                              healthy resets the count unless reset_on_healthy_task is false
  progress_deadline: 10m      no progress for this long stops the deployment (K8s progressDeadlineSeconds;
                              rolling variant ecs has none unless set, as ECS)
  progress_deadline_abort: true   roll back (Argo); false leaves it failed (Kubernetes)
  human: {disabled, delay_mean 5m, delay_stddev 2m, error_rate 0.01, window 1m}
                              on-call notices the service error rate and acts after a log-normal delay
  approval: {delay_mean 10m, delay_stddev 5m}   who answers manual gates
  bake_time: 10m              triggers are still watched this long after the last shift
  revert_migrations: true     down-migrations newest first on rollback; an irreversible one makes the
                              rollback rollback_failed
  poll_interval: 5s
`

const explainAllAtOnce = `all-at-once — EB AllAtOnce, CodeDeploy CodeDeployDefault.AllAtOnce, Kubernetes Recreate, "big bang".

How: the release's migrations run, then every instance gets the new revision at the same time, in
place (the application restarts under traffic) or, variant recreate, every instance is terminated and
the group launches new ones. Instances the group launches meanwhile get the new version (EB) or a
follow-on deployment (deployment_config CodeDeployDefault.AllAtOnce).
Cost: the shortest deploy and no extra instances, paid for with downtime: every instance is down at once.
Rollback: a redeploy of the previous revision, all at once again — as slow as the deploy and with the
same downtime. Manual with Elastic Beanstalk (the default): a failed deployment stays as it is, outcome
failed, until a trigger (the human, a configured alarm) asks for the redeploy; usually a human (no
automatic check can stop a deploy that is already everywhere).
Do not use it when downtime is unacceptable, or with a risky release: the blast radius is everyone.
Config: variant (in-place|recreate), deployment_config (CodeDeployDefault.AllAtOnce).
` + rollbackFields

const explainRolling = `rolling — EB Rolling, CodeDeploy in-place (OneAtATime, HalfAtATime, minimum healthy hosts), ECS
rolling update, Kubernetes RollingUpdate.

How (variant eb, default): instances are taken out of the load balancer batch by batch, deployed in place
and put back when healthy. batch_size_type Percentage|Fixed, batch_size (default 30 %, rounded up);
timeout (600s): a batch whose instance is not healthy in time fails the deployment, and Elastic
Beanstalk rolls nothing back — completed batches keep the new version, the rest the old, outcome failed —
unless ignore_health_check (false) lets the batch through.
Variant codedeploy: deployment_config CodeDeployDefault.OneAtATime (default) | HalfAtATime, or
minimum_healthy_hosts {type HOST_COUNT|FLEET_PERCENT, value} (percent rounded up); instances deploy in
CodeDeploy's order (unhealthy first), fleet − minimum healthy at a time.
Instances the Auto Scaling group launches meanwhile (replacements, scale-out): the eb deployment sets the
version new instances get, so they come up new; codedeploy launches get the last successful revision
and a follow-on deployment updates them once the deployment succeeded (outdated_instances_strategy
UPDATE, the default; IGNORE leaves them on the old version, which the measurement reports as a mixed end
state, not a success).
Variant ecs: minimum_healthy_percent (100, rounded up), maximum_percent (200, rounded down): a new task
set replaces the old within those limits; a task whose process exits, or that fails its load balancer
health checks after the grace period, is stopped and replaced by a new task, as ECS does (k8s restarts
the container in place); ECS has no progress deadline, so unless progress_deadline is set only the
circuit breaker, an alarm or a person stops a deployment whose tasks never get healthy. Variant k8s: max_surge (25 %, rounded up), max_unavailable
(25 %, rounded down), not both zero.
Variant codedeploy with zonal_config {first_zone_monitor_duration, monitor_duration (0),
minimum_healthy_hosts_per_zone {type HOST_COUNT|FLEET_PERCENT, value}} (CodeDeploy zonal deployments, a
phased rollout by Availability Zone): one zone at a time, zones in name order, at most the overall limit
and the zone's instances less its minimum (FLEET_PERCENT of the zone, rounded up) at once, each zone
followed by its monitor duration (the first zone's may differ) while the triggers watch; the rollback
redeploys zone by zone the same way.
Variant cloudformation: a CloudFormation stack update of the group's launch template under UpdatePolicy
AutoScalingRollingUpdate: max_batch_size (1), min_instances_in_service (0; less than max_size),
wait_on_resource_signals (false), pause_time (0s; 5m with signals; at most 1h),
min_successful_instances_percent (100, of the update's new instances, rounded to a tenth; needs
signals), suspend_processes (Launch, Terminate, AddToLoadBalancer, HealthCheck, ReplaceUnhealthy,
AZRebalance, AlarmNotification, ScheduledActions, InstanceRefresh), max_size (the group's MaxSize;
default the world's, 4 × instances). CloudFormation sets the group's MinSize and desired capacity to
max(batch + min_instances_in_service, desired) for the update — launching the difference first — then
terminates batches of min(max_batch_size, max_size − min_instances_in_service) obsolete instances; the
group launches their replacements, and before the next batch CloudFormation waits for their cfn-signal
within pause_time, or pauses pause_time (without signals it never waits for the application: a batch is
done when its instances are launched). A signal not received in time counts as a failure; when too few
can still succeed, the update fails and the stack rolls back (UPDATE_ROLLBACK_IN_PROGRESS): the same
rolling update back to the previous launch template, with the same policy and signal waits — a
pause_time too short for a boot fails the rollback too (UPDATE_ROLLBACK_FAILED, rollback_failed).
Cost: capacity drops by one batch (eb, codedeploy) unless surge is allowed (ecs, k8s: extra instances
instead); both versions serve side by side for the whole deploy, so they must be compatible.
Rollback: a new deployment of the previous revision with the same limits (in place for eb/codedeploy,
the replacement run backwards for ecs/k8s, a rolling update back for cloudformation) — it takes as long
as the deploy. For eb it is manual: it
happens only when a trigger asks — the on-call human after their delay, or an alarm or analysis you
configured — during the deployment or, after a failed one, while the environment is watched (bake_time).
Do not use it when versions cannot run side by side (schema coupling, incompatible APIs).
` + rollbackFields

const explainAdditionalBatch = `rolling-with-additional-batch — EB RollingWithAdditionalBatch.

How: launches one extra batch of new-version instances first, then deploys the original instances batch
by batch in place, then removes the extra batch. batch_size_type Percentage|Fixed, batch_size (30 %),
timeout (600s) and ignore_health_check (false) as for rolling: a batch not healthy in time fails the
deployment and nothing is rolled back automatically.
Cost: full capacity throughout, for one batch of extra instances while it runs; mixed versions.
Rollback (manual, as for EB rolling: a trigger must ask): a new deployment of the previous revision with
the same policy — an additional batch of it first, then batch by batch in place.
Do not use it when versions cannot run side by side.
` + rollbackFields

const explainImmutable = `immutable — EB immutable update; EC2 Auto Scaling instance refresh.

How (variant eb): a temporary Auto Scaling group behind the same load balancer gets one new instance,
then, once it is healthy, the full count; when all pass health checks the old instances are terminated.
Variant instance-refresh: the live group's instances are replaced in steps within
min_healthy_percentage (90, rounded up) and max_healthy_percentage (100: terminate first; above 100:
launch first).
Variant cloudformation: CloudFormation's AutoScalingReplacingUpdate (WillReplace true): a new group of
the new version is created beside the old one, behind the same target group; with creation_policy
{count (1), timeout (5m, at most 12h), min_successful_instances_percent (of the new group; unset: count
decides)} the update waits for that many cfn-signal successes within the timeout — too few fails it —
and without one only for the instances to be launched (the old group then goes while the new one still
boots); then the stack's cleanup deletes the old group.
Cost: twice the fleet for a while (eb); a slow one-by-one walk with the defaults (instance refresh).
Versions mix while both fleets are registered.
Rollback: terminate the new instances — fast and safe while the old fleet lives; after the cut-over the
old version must be launched again. Instance refresh rolls back by refreshing to the previous version;
a replacing update deletes the new group before the cleanup (the old one never stopped serving), and
after it comes back by a replacing update to the previous version.
Do not use it when instance launches are scarce (capacity shortages) or versions cannot coexist.
` + rollbackFields

const explainTrafficSplitting = `traffic-splitting — EB TrafficSplitting (aws:elasticbeanstalk:trafficsplitting).

How: a new fleet with its own target group is launched (one instance, then all), the migrations run,
new_version_percent (10) of the listener's traffic goes to it for evaluation_time (5m, whole minutes
3–600) while EB watches its health, then all traffic; then the old instances are terminated.
Cost: twice the fleet during the evaluation; a canary with one fixed step.
Rollback: the listener sends everything back to the old fleet (instant) and the new fleet is terminated;
after the old fleet is gone it is launched again first.
Do not use it when versions cannot run side by side.
` + rollbackFields

const explainBlueGreen = `blue-green — EB CNAME swap, Route 53 weighted flip, ALB target-group swap, ASG swap behind one load
balancer, CodeDeploy blue/green, Argo Rollouts blueGreen.

How: a full green fleet of the new version is built and made healthy while blue serves; a gate may hold
it (deployment_ready_option {action_on_timeout CONTINUE_DEPLOYMENT|STOP_DEPLOYMENT, wait_time},
auto_promotion_enabled (true), auto_promotion_seconds, pre_promotion_analysis); the migrations run; all
traffic switches at once (variant target-group-swap (default) | dns-weighted | cname-swap | asg-swap);
blue is kept for termination_wait_time (60m; ≤ 2880m; Argo scale_down_delay_seconds 30) while triggers
and post_promotion_analysis are watched; then blue is terminated (termination_action TERMINATE) or kept
(KEEP_ALIVE).
Cost: twice the fleet from green's launch until blue goes. A DNS switch is not instant: resolvers keep
the old answer for the TTL (and some clients longer), so blue must outlive the TTL — terminate it sooner
and cached users fail.
Rollback: switch back — seconds for a listener, a TTL for DNS — while blue lives; once blue is gone the
previous revision is redeployed onto the green fleet, half at a time.
Do not use it when the code is tightly coupled to the data schema (both fleets share one database: a
migration that blue cannot run on breaks blue, and the fast switch back lands on a broken blue), when the
release needs special upgrade routines (data conversions, one-way state changes), or for off-the-shelf
software that cannot run twice (licences, singletons, clustered state) — two full copies must coexist.
` + rollbackFields

const explainCanary = `canary — Argo Rollouts canary, Flagger, CodeDeploy TimeBasedCanary, ECS canary.

How: a canary fleet of the new version gets a growing share of the traffic in steps, with pauses and
checks between them; at 100 % it is promoted and the old fleet goes after scale_down_delay_seconds (30).
Steps (Argo): steps: [{set_weight: 10}, {pause: {duration: 5m}}, {pause: {}} (until approved),
{analysis: [metrics]}, {judge: {...}}, {set_canary_scale: {replicas|weight|match_traffic_weight}}];
default 10 % for 5m, 50 % for 5m. Or flagger: {interval 1m, threshold 1, step_weight, step_weights,
max_weight 100, step_weight_promotion, iterations, match_percent, metrics [{name request-success-rate
min 99 | request-duration max 500}]}, run as Flagger's scheduler, one decision per interval: the canary
is scaled to the primary's size before any traffic moves; each passing check raises the weight by
step_weight, a failed check holds it, and threshold failed checks roll back (interval × threshold after
the first failure); after max_weight the canary spec is copied to the primary, whose rolling update
runs, then all traffic returns to the primary and the canary is scaled to zero (promotion starts
interval × max_weight/step_weight after the first shift). iterations alone is Flagger's blue/green (no
user traffic on the canary for iterations intervals, then all of it for one); with match_percent (the
share of requests analysis.match selects) it is A/B testing.
Or deployment_config (CodeDeployDefault.ECSCanary10Percent5Minutes, LambdaCanary10Percent5/10/15/30Minutes,
...), canary_percentage + canary_interval (CodeDeploy), canary_percent (5) + canary_bake_time (10m) (ECS):
these launch the full replacement fleet first.
traffic_routing: alb (listener weights, default), dns (Route 53 weights to a canary load balancer;
lumpy and delayed by caches), replicas (no router: the split is the replica ratio, 10 at 41 % → 4; the
canary and stable fleets move toward each step's counts, up or down, as Argo's controller moves them,
within max_surge (25 %, rounded up) and max_unavailable (25 %, rounded down)).
Cost: a small canary fleet (Argo) or a full replacement (CodeDeploy, ECS); slow; mixed versions.
Rollback: all traffic back to the stable fleet (instant with a router) and the canary is removed — with
an Argo router after abort_scale_down_delay_seconds (30; 0 keeps it running), so it costs until then;
without a router the stable scales back up as the canary scales down. The blast radius is the canary's
share until detection.
Do not use it with too little traffic for the analysis to see anything, or when versions cannot coexist.
` + rollbackFields

const explainLinear = `linear — CodeDeploy TimeBasedLinear, ECS linear.

How: the full replacement fleet is launched, then equal traffic steps on a timer: deployment_config
(default CodeDeployDefault.ECSLinear10PercentEvery1Minutes; also ECSLinear10PercentEvery3Minutes,
LambdaLinear10PercentEvery1Minute/2/3/10Minutes), or linear_percentage + linear_interval, or ECS
step_percent (10) + step_bake_time (6m). Linear10PercentEvery1Minute reaches 100 % at minute 9.
traffic_routing alb (default) or dns.
Cost: twice the fleet for the whole shift; mixed versions.
Rollback: all traffic back to the old fleet, the new one removed.
` + rollbackFields

const explainABTest = `ab-test — Route 53 weighted 90/10; a fixed split judged once at the end (Flagger's A/B
testing, which checks every interval, is canary with flagger iterations and match_percent).

How: the new version gets a fixed share (weight 10) for duration (30m; or iterations × interval), then
a Kayenta judge (judge: metrics, pass 95, marginal 75) compares it with the old version over the
experiment: pass promotes, fail aborts. traffic_routing dns (default) or alb.
Cost: a full second fleet for the experiment; needs enough traffic for statistics.
Rollback: weights back to the old version (after the DNS TTL) and the new fleet removed.
` + rollbackFields

const explainToggle = `feature-toggle — dark launch, percentage rollout by user.

How: the code ships dark with ship (default rolling, with its defaults), flag off; then the flag is
enabled for growing user cohorts (steps 1, 5, 25, 50, 100 %, step_interval 5m). A cohort only grows:
users keep their experience.
Cost: the ship's cost once; flags in code (debt).
Rollback: flag off — instant, no redeploy, no migration revert. It cannot undo what shipping did: a
broken build or a breaking migration needs the ship strategy's own rollback.
` + rollbackFields

const explainSystemsManager = `systems-manager — AWS Systems Manager Run Command and Automation rate controls, Patch Manager
(AWS-RunPatchBaseline), maintenance windows.

How: one invocation per instance of the fleet, oldest first. max_concurrency (50; a count, or "25%" of the
targets rounded down, at least 1): the first invocation goes alone, then two, then four, doubling up to
it. max_errors (0; a count or a percentage, rounded down): once more invocations have failed than it
tolerates no new target gets the command; invocations in flight complete. operation patch (default): the
patch is installed while the application serves, then the instance reboots — down for the version's
start_time and still registered, so requests to it fail until its load balancer health checks do;
operation command: a script stops the application, installs the version and starts it, under traffic.
maintenance_window {schedule (cron(M H * * ? *) daily, cron(M * * * ? *) hourly, rate(N minutes|hours|
days)), duration (whole hours 1–24), cutoff (whole hours, less than the duration), cutoff_behavior
CONTINUE_TASK (default: the command runs on past the cutoff) | CANCEL_TASK (no new invocation after the
cutoff)}: the command waits for the window to open (the simulated day starts at 00:00), or starts at
once inside one.
Cost: no extra instances; every reboot is downtime for its instance; a slow command keeps the fleet on
mixed versions for long.
Rollback: none — Systems Manager does not uninstall what it installed. A trigger (an alarm, the person on
call) cancels the command: no new invocations, those in flight complete, the fleet stays on mixed
versions (outcome failed). So do targets left by max_errors or by a CANCEL_TASK cutoff: they wait for
the next window. bake_time is 0 unless set.
Do not use it for application releases that need traffic draining (CodeDeploy deregisters), or with a
max_concurrency so high that the reboots take out the capacity the service needs.
` + rollbackFields
