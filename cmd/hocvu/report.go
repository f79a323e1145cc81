package main

// reportCmd produces the commune report appendix (issue 8). Placeholder.
type reportCmd struct{}

func (reportCmd) Run(g *globals) error { return errorf("hocvu report is not built yet") }
