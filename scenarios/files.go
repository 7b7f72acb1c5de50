package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/deploysim/deploysim/scenarios/internal/yamlnode"
)

// MaxFileSize bounds a scenario file and every file it imports
// (docs/limits.md).
const MaxFileSize = 4 << 20

// LoadOptions are what the user allows a scenario beyond its own file.
type LoadOptions struct {
	// ImportDirs are folders from_file may read under besides the
	// scenario's own folder (the CLI's --import-dir).
	ImportDirs []string
}

// FileError is a file a scenario cannot be read from: it names the path
// and wraps ErrInvalid (exit 2).
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string {
	var pe *os.PathError
	if errors.As(e.Err, &pe) {
		return pe.Error() // names the path itself
	}
	return e.Path + ": " + e.Err.Error()
}

func (e *FileError) Unwrap() []error { return []error{e.Err, ErrInvalid} }

// ReadFile reads path for a scenario: it must be a regular file (not a
// device, FIFO, socket or folder) of at most MaxFileSize bytes. A FIFO is
// opened without waiting for a writer. Errors are *FileError.
func ReadFile(path string) ([]byte, error) {
	fail := func(format string, args ...any) ([]byte, error) {
		return nil, &FileError{Path: path, Err: fmt.Errorf(format, args...)}
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openNonBlock, 0)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	if !st.Mode().IsRegular() {
		return fail("not a regular file (%s)", fileKind(st.Mode()))
	}
	if st.Size() > MaxFileSize {
		return fail("%d bytes; the limit is %d", st.Size(), MaxFileSize)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	if len(b) > MaxFileSize {
		return fail("more than %d bytes (the limit)", MaxFileSize)
	}
	return b, nil
}

func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "not a plain file"
}

// LoadFile reads and loads the scenario file at path (see ReadFile and
// Load).
func LoadFile(path string, opts LoadOptions) (*Scenario, error) {
	src, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseScenario(path, src, opts)
}

// parseScenario checks the YAML's size with aliases expanded, then loads it.
func parseScenario(name string, src []byte, opts LoadOptions) (*Scenario, error) {
	root, err := parseYAML(name, src)
	if err != nil {
		return nil, err
	}
	return loadNode(name, name, root, opts)
}

// parseYAML parses a scenario's YAML and refuses alias cycles and
// expansions beyond yamlnode.MaxNodes.
func parseYAML(name string, src []byte) (*yaml.Node, error) {
	if len(src) > MaxFileSize {
		return nil, &LoadError{Errs: []FieldError{{File: name, Msg: fmt.Sprintf("%d bytes; the limit is %d", len(src), MaxFileSize)}}}
	}
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(src)).Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return nil, syntaxError(name, err)
	}
	if err := yamlnode.CheckExpansion(&root, yamlnode.MaxNodes); err != nil {
		var ee *yamlnode.ExpansionError
		errors.As(err, &ee)
		return nil, &LoadError{Errs: []FieldError{{File: name, Line: ee.Line, Col: ee.Col, Msg: ee.Msg}}}
	}
	return &root, nil
}

// importPath resolves a from_file path against the scenario's folder and
// checks that it stays there (or under an allowed folder): first as
// written, so that nothing outside is even looked at, then with symbolic
// links resolved.
func (d *decoder) importPath(f string) (string, error) {
	base := "."
	if d.file != "" && !strings.HasPrefix(d.file, "builtin:") {
		base = filepath.Dir(d.file)
	}
	p := f
	if !filepath.IsAbs(p) {
		p = filepath.Join(base, f)
	}
	roots := append([]string{base}, d.opts.ImportDirs...)
	outside := func() error {
		return fmt.Errorf("%s is outside the folders from_file may read (%s); --import-dir DIR allows another",
			yamlnode.Excerpt(f), strings.Join(roots, ", "))
	}
	if !under(roots, p, false) {
		return "", outside()
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", err
	}
	if !under(roots, real, true) {
		return "", outside()
	}
	return p, nil
}

// under reports whether path is in one of the roots; resolved compares
// with the roots' symbolic links resolved too.
func under(roots []string, path string, resolved bool) bool {
	path, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	for _, r := range roots {
		if resolved {
			if r, err = filepath.EvalSymlinks(r); err != nil {
				continue
			}
		}
		if r, err = filepath.Abs(r); err != nil {
			continue
		}
		rel, err := filepath.Rel(r, path)
		if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel) {
			return true
		}
	}
	return false
}
