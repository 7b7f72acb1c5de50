package importer

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// markers are the top-level keys by which a document shows it is of a
// kind that has no "kind:" field of its own. A source with no document of
// the kind named is refused (a Kubernetes manifest given as an EB config,
// /etc/passwd given as anything), instead of importing as the defaults
// with every field warned about.
var markers = map[Kind][]string{
	EB: {"option_settings"},
	CodeDeploy: append([]string{"deploymentConfigInfo", "deploymentGroupInfo", "deploymentConfigName",
		"minimumHealthyHosts", "trafficRoutingConfig", "computePlatform", "zonalConfig"}, groupKeys...),
	CloudFormation: {"Resources", "AWSTemplateFormatVersion"},
	ECS: {"services", "service", "Properties", "deploymentConfiguration", "DeploymentConfiguration",
		"minimumHealthyPercent", "maximumPercent", "deploymentCircuitBreaker", "strategy", "alarms",
		"bakeTimeInMinutes", "canaryConfiguration", "linearConfiguration", "lifecycleHooks"},
}

// k8sKinds maps a Kubernetes kind to the importer that reads it, for the
// hint of a refusal.
var k8sKinds = map[string]Kind{"Rollout": ArgoRollout, "Canary": Flagger, "Deployment": K8s}

// checkKind refuses sources none of whose documents is of kind k. The
// Kubernetes kinds (argo-rollout, flagger, k8s) check their "kind:"
// field when they pick their document.
func (c *ctx) checkKind(k Kind, docs []doc) bool {
	keys, ok := markers[k]
	if !ok {
		return true
	}
	for _, d := range docs {
		n := resolve(d.root)
		if k == CodeDeploy && n.Kind == yaml.ScalarNode && strings.HasPrefix(strings.TrimSpace(n.Value), "CodeDeployDefault.") {
			return true
		}
		if kindOf(d) != "" {
			continue // a Kubernetes manifest
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if slices.Contains(keys, n.Content[i].Value) {
					return true
				}
			}
		}
	}
	d := docs[0]
	hint := ""
	if other, ok := k8sKinds[kindOf(d)]; ok {
		hint = "; it is a Kubernetes " + kindOf(d) + ": import it as " + string(other)
	} else if kindOf(d) != "" {
		hint = "; it is a Kubernetes " + kindName(&yaml.Node{Kind: yaml.ScalarNode, Value: kindOf(d)})
	}
	c.errAt(d.file, d.root, "", "not %s: no document has any of %s (found %s)%s",
		kindTitle[k], strings.Join(keys[:min(len(keys), 4)], ", ")+map[bool]string{true: ", …", false: ""}[len(keys) > 4],
		describeDoc(d), hint)
	return false
}

var kindTitle = map[Kind]string{
	EB:             "an Elastic Beanstalk .ebextensions config",
	CodeDeploy:     "a CodeDeploy deployment config or group (nor a CodeDeployDefault.* name)",
	ECS:            "an ECS service or deploymentConfiguration",
	CloudFormation: "a CloudFormation template",
}

// describeDoc says what a document holds instead: its first keys, or the
// kind of node, never more than a short excerpt.
func describeDoc(d doc) string {
	n := resolve(d.root)
	if n.Kind != yaml.MappingNode {
		return kindName(n)
	}
	var ks []string
	for i := 0; i+1 < len(n.Content) && len(ks) < 4; i += 2 {
		ks = append(ks, kindName(n.Content[i]))
	}
	if len(n.Content) > 8 {
		ks = append(ks, "…")
	}
	return "keys " + strings.Join(ks, ", ")
}
