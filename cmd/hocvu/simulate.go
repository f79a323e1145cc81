package main

// simulateCmd generates a realistic campaign (issue 7). Placeholder.
type simulateCmd struct{}

func (simulateCmd) Run(g *globals) error { return errorf("hocvu simulate is not built yet") }
