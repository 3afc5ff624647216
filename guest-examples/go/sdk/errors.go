package sdk

// The three ways a connector call can fail, as the host understands them
// (connector-error in wit/types.wit).

import "fmt"

// ErrorKind picks the host's reaction: InvalidConfig stops the connector,
// Transient retries the same call, Permanent dead-letters the batch or stops.
type ErrorKind uint8

const (
	KindInvalidConfig ErrorKind = iota
	KindTransient
	KindPermanent
)

// Error is a connector failure with its kind. Any other error a connector
// returns is reported as permanent.
type Error struct {
	Kind    ErrorKind
	Message string
}

func (e *Error) Error() string {
	return [...]string{"invalid config", "transient", "permanent"}[e.Kind] + ": " + e.Message
}

func InvalidConfig(format string, args ...any) *Error {
	return &Error{KindInvalidConfig, fmt.Sprintf(format, args...)}
}

func Transient(format string, args ...any) *Error {
	return &Error{KindTransient, fmt.Sprintf(format, args...)}
}

func Permanent(format string, args ...any) *Error {
	return &Error{KindPermanent, fmt.Sprintf(format, args...)}
}

// AsError gives err's kind and message; errors that are not *Error are permanent.
func AsError(err error) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	return &Error{KindPermanent, err.Error()}
}
