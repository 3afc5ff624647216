package sdk

// Log lines in the runtime's own log (host.log), attributed to the connector
// by the host.

// Level values match the order of the WIT enum `log-level`.
type Level uint8

const (
	LevelTrace Level = iota
	LevelDebug
	LevelInfo
	LevelWarn
	LevelError
)

// hostLog is the imported host.log, bound by the glue package at init; it
// stays nil in plain `go test`, where lines are dropped.
var hostLog func(level Level, message string)

// GlueBindLog is called by the glue package; connectors do not call it.
func GlueBindLog(log func(level Level, message string)) { hostLog = log }

func Log(level Level, message string) {
	if hostLog != nil {
		hostLog(level, message)
	}
}

func Trace(message string)    { Log(LevelTrace, message) }
func Debug(message string)    { Log(LevelDebug, message) }
func Info(message string)     { Log(LevelInfo, message) }
func Warn(message string)     { Log(LevelWarn, message) }
func LogError(message string) { Log(LevelError, message) }
