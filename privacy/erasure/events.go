package erasure

import "time"

// Stream and event types of erasures. Stored formats are permanent.
const (
	// Stream holds every erasure, in order.
	Stream = "people-erasures"
	// EventErased records one erasure; Data is an Erased.
	EventErased = "person.erased.v1"
	// EventPrefix selects erasure events.
	EventPrefix = "person."
)

// Erased is the data of EventErased. It holds no personal data: the
// person is named by their subject only.
type Erased struct {
	// Subject is the keyed hash of the person's identifier.
	Subject string `json:"subject"`
	// At is when the erasure was recorded.
	At time.Time `json:"at"`
	// By says who asked: "cli", or the key of the credential that called
	// the admin route.
	By string `json:"by"`
	// Reference is the operator's reference for the request (a ticket
	// number), never the person's name.
	Reference string `json:"reference,omitempty"`
}
