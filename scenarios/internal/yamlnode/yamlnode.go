// Package yamlnode holds small helpers over go.yaml.in/yaml/v3 nodes that
// the scenario loader and the config importers share.
package yamlnode

import (
	"fmt"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/deploysim/deploysim/internal/sandbox"
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
		return Excerpt(n.Value)
	}
	return "nothing"
}

// MaxNodes bounds a document's nodes with every alias expanded: what a
// walk over it may visit. A "billion laughs" document (aliases of aliases
// of lists) is small as text and huge expanded.
const MaxNodes = 1_000_000

// ExpansionError is a document whose aliases expand beyond MaxNodes, or
// refer to a node that contains them (a cycle).
type ExpansionError struct {
	Line, Col int // of the alias
	Msg       string
}

func (e *ExpansionError) Error() string { return e.Msg }

// CheckExpansion counts root's nodes with aliases expanded, without
// expanding them (each anchored node's count is computed once), and
// refuses a document above max nodes or with an alias inside the node it
// refers to. Walks over a document that passed cannot run away.
func CheckExpansion(root *yaml.Node, max int64) error {
	c := expansion{max: max, memo: map[*yaml.Node]int64{}, open: map[*yaml.Node]bool{}}
	n := c.count(root)
	if c.err != nil {
		return c.err
	}
	if n > max {
		return &ExpansionError{Line: root.Line, Col: root.Column,
			Msg: fmt.Sprintf("the document has more than %d nodes with its aliases expanded", max)}
	}
	return nil
}

type expansion struct {
	max  int64
	memo map[*yaml.Node]int64
	open map[*yaml.Node]bool // nodes being counted: the path from the root
	err  error
}

func (c *expansion) count(n *yaml.Node) int64 {
	if n == nil || c.err != nil {
		return 0
	}
	if v, ok := c.memo[n]; ok {
		return v
	}
	if c.open[n] {
		return 0 // reported by the alias that led here
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return 1
		}
		if c.open[n.Alias] {
			c.err = &ExpansionError{Line: n.Line, Col: n.Column,
				Msg: fmt.Sprintf("alias *%s refers to a node that contains it (a cycle)", n.Value)}
			return 0
		}
		v := c.count(n.Alias)
		return v
	}
	c.open[n] = true
	total := int64(1)
	for _, ch := range n.Content {
		total += c.count(ch)
		if total > c.max {
			total = c.max + 1
			if c.err == nil {
				c.err = &ExpansionError{Line: n.Line, Col: n.Column,
					Msg: fmt.Sprintf("more than %d nodes with aliases expanded (the limit; aliases of aliases multiply)", c.max)}
			}
			break
		}
	}
	delete(c.open, n)
	c.memo[n] = total
	return total
}

// Excerpt quotes s for a message, cut to a short excerpt (with its
// length) when long, so that errors never echo a large input.
func Excerpt(s string) string { return sandbox.Excerpt(s) }

// Bound cuts s to at most n bytes (on a character boundary), marking the
// cut: the last line of defence of messages that carry a field path or
// text from a file.
func Bound(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + fmt.Sprintf("… (%d bytes)", len(s))
}

// The bounds of a message's parts.
const (
	MaxField   = 200
	MaxMessage = 2048
)
