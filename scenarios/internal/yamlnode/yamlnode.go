// Package yamlnode holds small helpers over go.yaml.in/yaml/v3 nodes that
// the scenario loader and the config importers share.
package yamlnode

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// Describe names what a node holds, for messages such as "got a list, want
// a mapping".
func Describe(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "nothing"
}
