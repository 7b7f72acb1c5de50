package importer_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/deploysim/deploysim/scenarios/importer"
	"github.com/deploysim/deploysim/strategies"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenCase imports files (from testdata; a name without a file there is
// passed as a CodeDeploy name) and compares the YAML block, or the error,
// with testdata/golden/NAME.yaml.
type goldenCase struct {
	name  string
	kind  importer.Kind
	files []string
}

var goldenCases = []goldenCase{
	{"eb-rolling", importer.EB, []string{"eb-rolling.config"}},
	{"eb-trafficsplitting", importer.EB, []string{"eb-trafficsplitting.config"}},
	{"eb-bad-batch", importer.EB, []string{"eb-bad-batch.config"}},
	{"eb-bad-policy", importer.EB, []string{"eb-bad-policy.config"}},
	{"codedeploy-config", importer.CodeDeploy, []string{"codedeploy-config.json"}},
	{"codedeploy-group-bluegreen", importer.CodeDeploy, []string{"codedeploy-group-bluegreen.json"}},
	{"codedeploy-ecs-linear", importer.CodeDeploy, []string{"codedeploy-ecs-linear.json"}},
	{"codedeploy-predefined-half", importer.CodeDeploy, []string{"CodeDeployDefault.HalfAtATime"}},
	{"codedeploy-predefined-ecs-canary", importer.CodeDeploy, []string{"CodeDeployDefault.ECSCanary10Percent5Minutes"}},
	{"codedeploy-bad-percent", importer.CodeDeploy, []string{"codedeploy-bad-percent.json"}},
	{"argo-canary", importer.ArgoRollout, []string{"argo-canary.yaml"}},
	{"argo-bluegreen", importer.ArgoRollout, []string{"argo-bluegreen.yaml", "argo-templates.yaml"}},
	{"argo-bluegreen-missing-template", importer.ArgoRollout, []string{"argo-bluegreen.yaml"}},
	{"argo-bad-weight", importer.ArgoRollout, []string{"argo-bad-weight.yaml"}},
	{"flagger-canary", importer.Flagger, []string{"flagger-canary.yaml"}},
	{"flagger-ab", importer.Flagger, []string{"flagger-ab.yaml"}},
	{"ecs-rolling", importer.ECS, []string{"ecs-rolling.json"}},
	{"ecs-canary", importer.ECS, []string{"ecs-canary.json"}},
	{"ecs-linear-dc", importer.ECS, []string{"ecs-linear-dc.yaml"}},
	{"ecs-bad", importer.ECS, []string{"ecs-bad.json"}},
	{"k8s-rolling", importer.K8s, []string{"k8s-rolling.yaml"}},
	{"k8s-recreate", importer.K8s, []string{"k8s-recreate.yaml"}},
	{"k8s-bad", importer.K8s, []string{"k8s-bad.yaml"}},
	{"codedeploy-zonal", importer.CodeDeploy, []string{"codedeploy-zonal.json"}},
	{"cloudformation-web-tier", importer.CloudFormation, []string{"cloudformation-web-tier.yaml"}},
	{"cloudformation-replacing", importer.CloudFormation, []string{"cloudformation-replacing.json"}},
	{"cloudformation-services", importer.CloudFormation, []string{"cloudformation-services.yaml"}},
	{"cloudformation-weighted", importer.CloudFormation, []string{"cloudformation-weighted.yaml"}},
	{"cloudformation-bad", importer.CloudFormation, []string{"cloudformation-bad.yaml"}},
	{"cloudformation-bad-policy", importer.CloudFormation, []string{"cloudformation-bad-policy.yaml"}},
}

func (gc goldenCase) run(t *testing.T) (importer.Result, error) {
	t.Helper()
	var srcs []importer.Source
	for _, f := range gc.files {
		p := filepath.Join("testdata", f)
		b, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			srcs = append(srcs, importer.Source{File: f})
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, importer.Source{File: p, Src: b})
	}
	return importer.ImportFiles(gc.kind, srcs...)
}

func TestGolden(t *testing.T) {
	for _, gc := range goldenCases {
		t.Run(gc.name, func(t *testing.T) {
			r, err := gc.run(t)
			var got []byte
			if err != nil {
				if !errors.Is(err, importer.ErrInvalid) {
					t.Errorf("error %v does not wrap ErrInvalid", err)
				}
				got = []byte("# error\n" + err.Error() + "\n")
			} else if got, err = r.YAML(); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "golden", gc.name+".yaml")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (run go test -update and review the diff):\n%s", gc.name, path, got)
			}
		})
	}
}

// decodeStrict fills a strategy config from r.Config as a scenario would:
// marshalled to YAML and decoded with unknown fields rejected.
func decodeStrict(t *testing.T, cfg map[string]any) func(any) error {
	t.Helper()
	b, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return func(c any) error {
		d := yaml.NewDecoder(bytes.NewReader(b))
		d.KnownFields(true)
		return d.Decode(c)
	}
}

// TestEveryResultBuilds checks that every imported block is accepted by
// its strategy's constructor, and that every error names a position.
func TestEveryResultBuilds(t *testing.T) {
	for _, gc := range goldenCases {
		t.Run(gc.name, func(t *testing.T) {
			r, err := gc.run(t)
			if err != nil {
				var ie *importer.Error
				if !errors.As(err, &ie) {
					t.Fatalf("error %T, want *importer.Error", err)
				}
				for _, e := range ie.Errs {
					if e.Line == 0 || e.Field == "" || e.File == "" {
						t.Errorf("error without file, line or field: %+v", e)
					}
				}
				if !strings.HasSuffix(gc.name, "-bad") && !strings.Contains(gc.name, "-bad-") && !strings.Contains(gc.name, "missing") {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			blocks := append([]importer.Block{{Strategy: r.Strategy, Config: r.Config}}, r.Blocks...)
			for _, b := range blocks {
				sp, err := strategies.Lookup(b.Strategy)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := sp.New(decodeStrict(t, b.Config)); err != nil {
					t.Fatalf("strategy %s (%s) rejects the import: %v\nconfig: %v", b.Strategy, b.Label, err, b.Config)
				}
			}
			for _, w := range r.Warnings {
				if w.Line == 0 || w.Path == "" || w.Msg == "" {
					t.Errorf("warning without line, path or message: %+v", w)
				}
			}
		})
	}
}

func TestYAMLDeterministic(t *testing.T) {
	for _, gc := range goldenCases {
		r1, err1 := gc.run(t)
		r2, err2 := gc.run(t)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("%s: errors differ", gc.name)
		}
		if err1 != nil {
			if err1.Error() != err2.Error() {
				t.Errorf("%s: error text differs", gc.name)
			}
			continue
		}
		a, _ := r1.YAML()
		b, _ := r2.YAML()
		if !bytes.Equal(a, b) {
			t.Errorf("%s: YAML differs between two imports", gc.name)
		}
	}
}

func TestKinds(t *testing.T) {
	if !slices.Contains(importer.Kinds(), importer.CloudFormation) || len(importer.Kinds()) < 7 {
		t.Fatalf("Kinds() = %v", importer.Kinds())
	}
	_, err := importer.Import("terraform", "x.tf", []byte("a: 1"))
	if !errors.Is(err, importer.ErrInvalid) || !strings.Contains(err.Error(), "argo-rollout") {
		t.Errorf("unknown kind: got %v, want an error listing the kinds", err)
	}
}
