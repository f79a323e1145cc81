// Package schemas holds the JSON Schemas of the xAPI statement data model,
// one set for xAPI 1.0.3 (xapi-1.0.3/) and one for xAPI 2.0.0, the IEEE
// 9274.1.1 base standard (xapi-2.0.0/), and validates decoded JSON against
// them.
//
// The schema files are embedded, compiled once (see [Load]) and never fetched
// from the network. They encode every rule a schema can express: required
// properties, closed objects (additionalProperties: false), types, enums,
// value formats, the Agent/Group/Activity/SubStatement/StatementRef kinds
// (oneOf with objectType as discriminator), the SubStatement restrictions,
// voiding, and the interaction component lists allowed per interactionType.
// Cross-field numeric rules (score min/max/raw) and id uniqueness are left to
// package lrs/xapi, which combines both layers.
//
// Formats named xapi-* in the schema files are implemented in Go in this
// package ([IsIRI], [IsUUID], [IsMailto], [IsLanguageTag], [IsDuration],
// [IsTimestamp]) and exported so that other packages validate query
// parameters to the same standard (Data 2.2.s4.b4).
//
// A schema object may carry the annotations "x-rule" and "x-message": when
// one of its assertion keywords fails, the resulting [Problem] gets that rule
// id and message instead of a generic schema:<keyword> one. This is the only
// package that imports the JSON Schema implementation.
package schemas
