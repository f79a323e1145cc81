package clickhouse

// CrashAfter makes Write stop after a stage, as a crash would.
func (e *Engine) CrashAfter(stage string) { e.crashAfter = stage }
