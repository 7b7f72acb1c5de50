package strategies_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/deploysim/deploysim/strategies"
)

// TestVocabularyPresets: every term names a catalogue strategy, its preset
// YAML (the one explain prints) sets exactly what its Go preset sets, and
// the strategy builds from it.
func TestVocabularyPresets(t *testing.T) {
	for _, term := range strategies.Terms() {
		t.Run(term.Name, func(t *testing.T) {
			sp, err := strategies.Lookup(term.Name)
			if err != nil {
				t.Fatal(err)
			}
			if term.Strategy == "" {
				if _, err := sp.New(nil); err == nil || !strings.Contains(err.Error(), "phased-rollout-by-az") {
					t.Errorf("an umbrella term must not build, and must say which terms to name: %v", err)
				}
				return
			}
			target, err := strategies.Lookup(term.Strategy)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Split(term.Preset, "\n") {
				if !strings.Contains(sp.Explain, "  "+l+"\n") {
					t.Errorf("explain does not show the preset's line %q", l)
				}
			}
			if !strings.Contains(sp.Explain, target.Explain) {
				t.Errorf("explain must include the explanation of %s", term.Strategy)
			}
			// The config the preset builds, through Go and through YAML.
			var viaGo, viaYAML any
			if _, err := sp.New(func(cfg any) error { viaGo = reflect.ValueOf(cfg).Elem().Interface(); return nil }); err != nil {
				t.Fatalf("defaults: %v", err)
			}
			var m map[string]any
			if err := yaml.Unmarshal([]byte(term.Preset), &m); err != nil {
				t.Fatal(err)
			}
			if m["name"] != term.Strategy {
				t.Errorf("preset name %v, want %s", m["name"], term.Strategy)
			}
			delete(m, "name")
			src, _ := yaml.Marshal(m)
			if _, err := target.New(func(cfg any) error {
				d := yaml.NewDecoder(bytes.NewReader(src))
				d.KnownFields(true)
				if err := d.Decode(cfg); err != nil {
					return err
				}
				viaYAML = reflect.ValueOf(cfg).Elem().Interface()
				return nil
			}); err != nil {
				t.Fatalf("preset YAML: %v", err)
			}
			if !reflect.DeepEqual(viaGo, viaYAML) {
				t.Errorf("preset YAML and Go preset differ:\n%+v\n%+v", viaYAML, viaGo)
			}
		})
	}
}
