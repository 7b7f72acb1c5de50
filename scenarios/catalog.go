package scenarios

import (
	"slices"

	"github.com/deploysim/deploysim/strategies"
)

// StrategySpec is a catalogue entry of package strategies.
type StrategySpec = strategies.Spec

// LookupStrategy finds a strategy of the catalogue by name.
func LookupStrategy(name string) (StrategySpec, error) { return strategies.Lookup(name) }

// StrategyNames lists the catalogue's names and the vocabulary's terms
// a scenario can name, sorted.
func StrategyNames() []string {
	var s []string
	for _, sp := range append(strategies.Catalog(), strategies.Vocabulary()...) {
		s = append(s, sp.Name)
	}
	slices.Sort(s)
	return s
}
