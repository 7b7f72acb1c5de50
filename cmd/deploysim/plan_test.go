package main

import (
	"strings"
	"testing"
)

const webTier = "../../scenarios/importer/testdata/cloudformation-web-tier.yaml"

// TestImportCloudFormation: the template becomes a scenario that loads
// and runs; parameters come from --param; warnings name their line.
func TestImportCloudFormation(t *testing.T) {
	out, errOut, code := deploysim(t, "import", "cloudformation", webTier, "--param", "Environment=staging", "--param", "DesiredCapacity=4")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"label: WebGroup", "label: WebDeploymentGroup", "instances: 4", "max_size: 4", "min_instances_in_service: 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("scenario lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "cloudformation-web-tier.yaml:") || !strings.Contains(errOut, "Resources.CodeDeployRole") {
		t.Errorf("warnings without positions:\n%s", errOut)
	}
	p := write(t, "web.yaml", out)
	if _, e, code := deploysim(t, "validate", p); code != 0 {
		t.Errorf("the imported scenario does not validate (exit %d): %s", code, e)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--param", "Environment=dev"}, "not one of AllowedValues"},
		{[]string{"--param", "Nope=1"}, "the template has no parameter"},
		{[]string{"--param", "novalue"}, "want NAME=VALUE"},
	} {
		_, e, code := deploysim(t, append([]string{"import", "cloudformation", webTier}, tc.args...)...)
		if code != 2 || !strings.Contains(e, tc.want) {
			t.Errorf("%v: exit %d %q, want exit 2 with %q", tc.args, code, e, tc.want)
		}
	}
	if _, e, code := deploysim(t, "import", "eb", "x.config", "--param", "A=1"); code != 2 {
		t.Errorf("--param with kind eb: exit %d %q, want 2", code, e)
	}
}

// TestPlanCommand: plan and import --plan lay the deployments out.
func TestPlanCommand(t *testing.T) {
	out, errOut, code := deploysim(t, "import", "cloudformation", webTier, "--plan")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"WebGroup (rolling) — rolling, variant cloudformation",
		"temporarily set MinSize and DesiredCapacity to 7", "waits: for 2 cfn-signal(s) within PT12M",
		"UPDATE_ROLLBACK_IN_PROGRESS", "zone a (1/3)", "trigger: alarms shop-web-target-5xx"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	out, errOut, code = deploysim(t, "plan", "builtin:patch-fleet-in-maintenance-window", "--strategy", "25-percent-cancel")
	if code != 0 || !strings.Contains(out, "invocations in waves of 1, 2, 3, 3, 3") || !strings.Contains(out, "opens at 00:00") {
		t.Errorf("plan of the built-in: exit %d\n%s%s", code, out, errOut)
	}
	if _, _, code := deploysim(t, "plan"); code != 2 {
		t.Errorf("plan without a file: exit %d, want 2", code)
	}
}
