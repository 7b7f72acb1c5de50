package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// The built-in library: teaching scenarios embedded in the binary, each
// with a story and the lesson it shows. DefaultScenario is what
// `deploysim compare` runs without a file.
//
//go:embed library/*.yaml
var library embed.FS

// DefaultScenario names the built-in scenario of `deploysim compare`.
const DefaultScenario = "default"

// BuiltinInfo describes a built-in scenario.
type BuiltinInfo struct {
	Name, Title, Lesson string
}

// BuiltinNames lists the built-in scenarios, sorted.
func BuiltinNames() []string {
	ents, _ := fs.ReadDir(library, "library")
	var s []string
	for _, e := range ents {
		s = append(s, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	return s
}

// BuiltinSource returns the YAML of a built-in scenario.
func BuiltinSource(name string) ([]byte, error) {
	name = strings.TrimPrefix(name, "builtin:")
	b, err := library.ReadFile(path.Join("library", name+".yaml"))
	if err != nil {
		return nil, fmt.Errorf("built-in scenario %q: not found (allowed: %s): %w", name, strings.Join(BuiltinNames(), ", "), ErrInvalid)
	}
	return b, nil
}

// Builtin loads a built-in scenario.
func Builtin(name string) (*Scenario, error) {
	src, err := BuiltinSource(name)
	if err != nil {
		return nil, err
	}
	return Parse("builtin:"+strings.TrimPrefix(name, "builtin:"), src)
}

// Builtins describes every built-in scenario.
func Builtins() ([]BuiltinInfo, error) {
	var out []BuiltinInfo
	for _, n := range BuiltinNames() {
		sc, err := Builtin(n)
		if err != nil {
			return nil, err
		}
		out = append(out, BuiltinInfo{Name: n, Title: sc.Title, Lesson: strings.TrimSpace(sc.Lesson)})
	}
	return out, nil
}
