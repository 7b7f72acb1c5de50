package observe

import "fmt"

// FieldError reports one invalid configuration value: Field is the name the
// user wrote (CloudWatch's spelling where there is one, e.g.
// "DatapointsToAlarm"), Value the rejected value and Allowed a short
// description of what would have been accepted.
type FieldError struct {
	Field   string
	Value   any
	Allowed string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("observe: invalid %s %v: allowed %s", e.Field, e.Value, e.Allowed)
}

// fieldErr builds a *FieldError so that validation stays one line per rule.
func fieldErr(field string, value any, allowed string) error {
	return &FieldError{Field: field, Value: value, Allowed: allowed}
}

// bug reports a broken invariant — a bug in the caller or in this package,
// never bad user input — by panicking. It is the one place such failures go
// through, so that they are loud and uniform.
func bug(format string, args ...any) {
	panic(fmt.Sprintf("observe: bug: "+format, args...))
}
