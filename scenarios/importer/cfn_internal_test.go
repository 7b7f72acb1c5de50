package importer

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// cfnHeader declares what the expressions below refer to.
const cfnHeader = `
Parameters:
  Env: {Type: String, Default: prod}
  Size: {Type: Number, Default: "6"}
  Zones: {Type: CommaDelimitedList, Default: "a,b"}
Mappings:
  Sizes:
    prod: {Max: 12}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsBig: {"Fn::Equals": [{"Ref": "Size"}, "40"]}
  ProdAndBig: !And [!Condition IsProd, !Condition IsBig]
  ProdOrBig: !Or [!Condition IsProd, !Condition IsBig]
  NotProd: !Not [!Condition IsProd]
Resources:
  Lb: {Type: AWS::ElasticLoadBalancingV2::LoadBalancer}
  Alarm: {Type: AWS::CloudWatch::Alarm, Properties: {AlarmName: high-errors}}
`

// evalProp resolves the property V of a resource whose value is expr.
func evalProp(t *testing.T, expr string) (*yaml.Node, *ctx) {
	t.Helper()
	src := cfnHeader + "  R:\n    Type: AWS::SQS::Queue\n    Properties:\n      V: " + expr + "\n"
	c := &ctx{}
	docs := c.parse("t.yaml", []byte(src))
	if len(c.errs) > 0 {
		t.Fatalf("parse: %v", c.err())
	}
	tmpl := parseTemplate(c, docs[0], nil)
	r := tmpl.byID["R"]
	return mapGet(tmpl.attr(r, "Properties").n, "V"), c
}

func render(n *yaml.Node) string {
	n = resolve(n)
	switch {
	case n == nil:
		return "<none>"
	case n.Kind == yaml.SequenceNode:
		var s []string
		for _, e := range n.Content {
			s = append(s, render(e))
		}
		return "[" + strings.Join(s, " ") + "]"
	}
	return n.Value
}

func TestCloudFormationIntrinsics(t *testing.T) {
	tests := []struct {
		name, expr, want string
	}{
		{"Ref of a parameter's default", "!Ref Env", "prod"},
		{"Ref of a pseudo parameter", "!Ref AWS::Region", "us-east-1"},
		{"Ref of a list parameter", "!Ref Zones", "[a b]"},
		{"Ref of a resource is its name", "!Ref Lb", "Lb"},
		{"Ref of an alarm is its AlarmName", "!Ref Alarm", "high-errors"},
		{"JSON Ref", `{"Ref": "Size"}`, "6"},
		{"Sub with parameters and pseudo parameters", "!Sub 'web-${Env}-${AWS::StackName}'", "web-prod-stack"},
		{"Sub with variables", "!Sub ['${A}/${B}', {A: x, B: !Ref Env}]", "x/prod"},
		{"Sub keeps a ${!literal}", "!Sub 'cost ${!Price}'", "cost ${Price}"},
		{"Sub of a resource attribute", "!Sub 'http://${Lb.DNSName}/'", "http://Lb.DNSName/"},
		{"GetAtt short form", "!GetAtt Lb.DNSName", "Lb.DNSName"},
		{"GetAtt JSON list form", `{"Fn::GetAtt": ["Lb", "DNSName"]}`, "Lb.DNSName"},
		{"Join", "!Join [':', [a, !Ref Env, c]]", "a:prod:c"},
		{"JSON Join", `{"Fn::Join": ["-", ["a", {"Ref": "Env"}]]}`, "a-prod"},
		{"Select of a Split", "!Select [1, !Split [',', 'x,y,z']]", "y"},
		{"Select of a list parameter", "!Select [0, !Ref Zones]", "a"},
		{"FindInMap with a Ref key", "!FindInMap [Sizes, !Ref Env, Max]", "12"},
		{"If on a true condition", "!If [IsProd, big, small]", "big"},
		{"If on And", "!If [ProdAndBig, yes, no]", "no"},
		{"If on Or", "!If [ProdOrBig, yes, no]", "yes"},
		{"If on Not", "!If [NotProd, yes, no]", "no"},
		{"GetAZs assumes three zones", "!GetAZs ''", "[us-east-1a us-east-1b us-east-1c]"},
		{"Base64 keeps the text readable", "!Base64 'cfn-signal -e 0'", "cfn-signal -e 0"},
		{"NoValue removes the property", "!If [IsProd, !Ref AWS::NoValue, x]", "<none>"},
		{"nested short forms", "!Join ['', [!Select [0, !Split ['.', !GetAtt Lb.DNSName]], '-', !FindInMap [Sizes, prod, Max]]]", "Lb-12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, c := evalProp(t, tt.expr)
			if len(c.errs) > 0 {
				t.Fatalf("%s: %v", tt.expr, c.err())
			}
			if r := render(got); r != tt.want {
				t.Errorf("%s = %q, want %q", tt.expr, r, tt.want)
			}
		})
	}
}

func TestCloudFormationIntrinsicErrors(t *testing.T) {
	deep := "x"
	for range 70 {
		deep = "{\"Fn::Base64\": " + deep + "}"
	}
	tests := []struct {
		name, expr, want string
	}{
		{"Ref to nothing", "!Ref Nope", `Ref "Nope": no parameter or resource`},
		{"GetAtt of nothing", "!GetAtt Nope.Arn", `Fn::GetAtt: no resource "Nope"`},
		{"unknown function", "!Frob x", `unknown intrinsic function "Fn::Frob"`},
		{"Select out of range", "!Select [5, [a, b]]", `index "5" out of a list of 2`},
		{"Split with an empty delimiter", "!Split ['', abc]", "the delimiter is empty"},
		{"Join of a non-list", "!Join [',', abc]", "must be a list"},
		{"FindInMap of a missing key", "!FindInMap [Sizes, staging, Max]", `no key "staging"`},
		{"If on an unknown condition", "!If [Nope, a, b]", `no condition "Nope"`},
		{"Sub of an unknown name", "!Sub '${Nope}'", `"${Nope}" names no parameter`},
		{"functions nested beyond the limit", deep, "nested deeper than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := evalProp(t, tt.expr)
			if len(c.errs) == 0 {
				t.Fatalf("%s: no error, want %q", tt.expr, tt.want)
			}
			e := c.err().Error()
			if !strings.Contains(e, tt.want) || !strings.Contains(e, "t.yaml:") {
				t.Errorf("%s: error %q, want %q with its position", tt.expr, e, tt.want)
			}
		})
	}
}

func TestCloudFormationConditionCycle(t *testing.T) {
	c := &ctx{}
	docs := c.parse("t.yaml", []byte("Conditions:\n  A: !Condition B\n  B: !Not [!Condition A]\nResources:\n  R: {Type: T, Condition: A}\n"))
	parseTemplate(c, docs[0], nil)
	if len(c.errs) == 0 || !strings.Contains(c.err().Error(), "refers to itself") {
		t.Fatalf("want a cycle error, got %v", c.errs)
	}
}

func TestCloudFormationParameters(t *testing.T) {
	src := []byte(`Parameters:
  Env: {Type: String, AllowedValues: [prod, staging]}
  Size: {Type: Number, Default: "4", MinValue: 2, MaxValue: 10}
  Name: {Type: String, Default: web, AllowedPattern: "[a-z]+", MaxLength: 5}
Resources:
  R: {Type: T}
`)
	for _, tc := range []struct {
		name   string
		params map[string]string
		want   string
	}{
		{"no Default and no value", nil, "Parameters.Env: no Default"},
		{"not an allowed value", map[string]string{"Env": "dev"}, "not one of AllowedValues (prod, staging)"},
		{"below MinValue", map[string]string{"Env": "prod", "Size": "1"}, "below MinValue 2"},
		{"not a number", map[string]string{"Env": "prod", "Size": "x"}, "not a number"},
		{"pattern", map[string]string{"Env": "prod", "Name": "Web1"}, "does not match AllowedPattern"},
		{"too long", map[string]string{"Env": "prod", "Name": "webshop"}, "outside MaxLength 5"},
		{"unknown parameter", map[string]string{"Env": "prod", "Nope": "1"}, "--param Nope: the template has no parameter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ImportWith(CloudFormation, Options{Params: tc.params}, Source{File: "t.yaml", Src: src})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}
