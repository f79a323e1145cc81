package main

// referenceCmd loads campaign reference data (issue 7). Placeholder.
type referenceCmd struct{}

func (referenceCmd) Run(g *globals) error { return errorf("hocvu reference is not built yet") }
