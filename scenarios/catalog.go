package scenarios

import (
	"slices"

	"github.com/deploysim/deploysim/strategies"
)

// StrategySpec is a catalogue entry of package strategies.
type StrategySpec = strategies.Spec

// LookupStrategy finds a strategy of the catalogue by name.
func LookupStrategy(name string) (StrategySpec, error) { return strategies.Lookup(name) }

// StrategyNames lists the catalogue's names, sorted.
func StrategyNames() []string {
	var s []string
	for _, sp := range strategies.Catalog() {
		s = append(s, sp.Name)
	}
	slices.Sort(s)
	return s
}
