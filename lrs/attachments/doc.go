// Package attachments handles the bytes of xAPI Attachments, apart from any
// HTTP framework: it parses statements requests that carry them, matches
// them to the Attachment objects of the statements, verifies signed
// Statements, writes multipart responses, and keeps the data on disk.
//
// Section references are to xAPI 1.0.3 (Data = Part Two, Communication =
// Part Three); IEEE 9274.1.1 (xAPI 2.0) keeps the same rules in "xAPI Base
// Standard for LRSs" 4.1.3 (Content Types) and 4.2.6 (Statement Signing).
//
// # Flow of a statements PUT or POST
//
//  1. [Parse] reads the body. application/json: the body is the
//     statements, there are no parts (Communication 1.5.1). multipart/mixed
//     (RFC 2046, Communication 1.5.2): a boundary parameter is required;
//     the first part must be application/json and holds the statements
//     (1.5.2.s2.b2.b1); every further part must carry
//     X-Experience-API-Hash (1.5.2.s2.b2.b3), whose digest must be that of
//     the part's raw bytes (1.5.2.s1.b4), and a Content-Transfer-Encoding
//     other than binary is refused (1.5.2.s2.b2.b4; when the header is
//     absent binary is assumed, as 1.5.2.s3.b6 asks of the LRS). Parts are
//     streamed, hashed on the fly and spilled to temporary files beyond
//     [Limits.MemoryBytes]; [Limits] bound the body, the statements part
//     and the number of parts (1.5.2.s3.b7), and are reported as
//     [KindTooLarge] (413, Communication 3.2).
//  2. The caller decodes and validates the statements (package xapi).
//  3. [CheckParts]: each Attachment without a fileUrl needs a part with its
//     sha2 (1.5.2.s3.b5); each part must be named by some sha2; one part
//     serves all Attachments with its hash (1.5.2.s2.b2.b5).
//  4. [CheckSignatures]: an Attachment with usageType [SignatureUsageType]
//     must be application/octet-stream and hold a JWS in Compact
//     Serialization with alg RS256, RS384 or RS512 whose payload is the
//     Statement as received, compared by the LRS's Statement Comparison
//     Requirements (Data 2.6, 2.3.1); with an x5c header the signature
//     must verify with the first certificate's key (2.6.s5.b3.b3).
//  5. [Store.Put] keeps each part's data under its hash; events refer to
//     it by sha2.
//
// For GET statements with attachments=true, [WriteMultipart] writes the
// statements as the first part and then one part per distinct hash
// (Communication 1.5.2.s3.b1).
//
// # Choices
//
//   - Hashes are the lower-case hex digests of SHA-224, SHA-256, SHA-384 or
//     SHA-512, told apart by length ([NormalizeHash]); they match ignoring
//     letter case.
//   - The part headers are not compared with the "length" and
//     "contentType" properties (1.5.2.s2.b2.b7 asks the client to keep
//     them equal): the spec's own example (1.5.2.s6) sends contentType
//     "text/plain; charset=ascii" with a "text/plain" part, and the ADL
//     conformance suite sends a "length" that differs from the data. The
//     part's hash is what identifies it (1.5.2.s1.b4).
//   - A repeated part (same hash) is accepted and kept once.
//   - A preamble before the first boundary is ignored (RFC 2046 5.1.1).
//   - The JWS JSON Serialization is refused: it is discouraged by 1.0.3
//     (2.6.s4.b2) and excluded by 9274.1.1.
//   - "jwk", "jku" and "x5u" JOSE headers are ignored (fetching URLs would
//     let a client make the LRS issue requests); the x5c chain is not
//     validated against trust anchors and certificate dates are not
//     checked, as the spec treats the certificate as a mistake check
//     (note to 2.6.s5).
//
// # Errors
//
// Refusals are [*Error] values with a [Kind]: [KindInvalid] and
// [KindBadSignature] map to 400 Bad Request, [KindTooLarge] to 413. Other
// errors (I/O, a cancelled context) have no Kind. [KindOf] reads the kind.
package attachments
