// Package httpapi serves the xAPI resources under /xapi/ over echo. It is
// the only package on the xAPI side that knows HTTP: it parses requests,
// negotiates the xAPI version, calls the lrs services, and maps their
// errors to xAPI status codes and JSON bodies in one place.
package httpapi
