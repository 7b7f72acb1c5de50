package importer_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/deploysim/deploysim/scenarios/importer"
)

// fuzzKind feeds arbitrary bytes to one parser, seeded with the testdata
// files of that kind: it must never panic, and a success must render.
func fuzzKind(f *testing.F, kind importer.Kind, prefix string) {
	files, _ := filepath.Glob(filepath.Join("testdata", prefix+"*"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("{}"))
	f.Add([]byte("- a\n- b"))
	f.Fuzz(func(t *testing.T, src []byte) {
		r, err := importer.Import(kind, "fuzz.yaml", src)
		if err != nil {
			return
		}
		if _, err := r.YAML(); err != nil {
			t.Fatalf("YAML of a successful import: %v", err)
		}
	})
}

func FuzzEB(f *testing.F)          { fuzzKind(f, importer.EB, "eb-") }
func FuzzCodeDeploy(f *testing.F)  { fuzzKind(f, importer.CodeDeploy, "codedeploy-") }
func FuzzArgoRollout(f *testing.F) { fuzzKind(f, importer.ArgoRollout, "argo-") }
func FuzzFlagger(f *testing.F)     { fuzzKind(f, importer.Flagger, "flagger-") }
func FuzzECS(f *testing.F)         { fuzzKind(f, importer.ECS, "ecs-") }
func FuzzK8s(f *testing.F)         { fuzzKind(f, importer.K8s, "k8s-") }

// FuzzCloudFormation feeds the template parser and evaluator: intrinsic
// functions, conditions, parameters, both spellings.
func FuzzCloudFormation(f *testing.F) {
	f.Add([]byte("Resources: {A: {Type: AWS::SQS::Queue, Properties: {X: !Join [',', [!Ref AWS::Region, !Sub '${AWS::StackName}']]}}}"))
	f.Add([]byte("Conditions: {C: !Equals [a, !If [C, a, b]]}\nResources: {A: {Type: T, Condition: C}}"))
	f.Add([]byte(`{"Resources": {"G": {"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": {"DesiredCapacity": {"Fn::Select": [0, {"Fn::Split": [",", "3,4"]}]}}, "UpdatePolicy": {"AutoScalingRollingUpdate": {}}}}}`))
	fuzzKind(f, importer.CloudFormation, "cloudformation-")
}
