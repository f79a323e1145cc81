package auth

// OnJoined tells f each time a request has joined (or started) a shared
// verification, so tests can wait for concurrent requests to meet.
func OnJoined(r *Registry, f func()) { r.verifier.joined = f }
