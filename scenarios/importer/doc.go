// Package importer turns the deployment configuration teams already run —
// Elastic Beanstalk option_settings, CodeDeploy deployment configs and
// groups, Argo Rollouts Rollouts with their AnalysisTemplates, Flagger
// Canaries, ECS deploymentConfigurations and Kubernetes Deployments — into
// a deploysim strategy block of the catalogue, plus the world settings the
// source fixes.
//
// Every source field is either mapped, or reported as a Warning with its
// path and position; nothing is dropped silently. Invalid values are
// errors naming file:line:col, the field and the allowed values. The
// mapping of each kind is documented in docs/importers.md.
package importer
