package main

// usersCmd manages dashboard users (issue 8). Placeholder.
type usersCmd struct{}

func (usersCmd) Run(g *globals) error { return errorf("hocvu users is not built yet") }
