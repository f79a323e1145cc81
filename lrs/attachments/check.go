package attachments

import "strings"

// CheckParts matches the attachment parts of a request to the Attachment
// objects of its statements (doc: the first part decoded, a Statement or an
// array of Statements, as from xapi.Decode or encoding/json):
//
//   - every Attachment without a fileUrl must have a part whose hash equals
//     its sha2 (Communication 1.5.2.s3.b5); an application/json request has
//     no parts, so all its Attachments need a fileUrl (1.5.2.s2.b1);
//   - every part must be the data of some Attachment, by hash; a part that
//     no sha2 names is refused (1.5.2.s2.b2.b3; conformance XAPI-00128);
//   - one part serves every Attachment with its sha2, across the batch
//     (1.5.2.s2.b2.b5), and an Attachment with a fileUrl may still have a
//     part.
//
// Attachments of a SubStatement count like those of its Statement. Hashes
// match ignoring letter case. The "length" and "contentType" properties are
// not compared with the part (see the package documentation).
//
// The error is an [*Error] of [KindInvalid] whose Pointer and message name
// the statement and attachment index, or the part index.
func CheckParts(doc any, parts []*Part) error {
	have := make(map[string]bool, len(parts))
	for _, p := range parts {
		have[strings.ToLower(p.SHA2)] = true
	}
	named := make(map[string]bool)
	err := forEachStatement(doc, func(i int, ptr string, st map[string]any) error {
		atts, err := attachmentsOf(i, ptr, st, true)
		if err != nil {
			return err
		}
		for _, a := range atts {
			sha2, err := a.sha2()
			if err != nil {
				return err
			}
			key := strings.ToLower(sha2)
			named[key] = true
			if !have[key] && !a.hasFileURL() {
				return invalid(a.ptr, "%s has no fileUrl and no part with X-Experience-API-Hash %s (Communication 1.5.2.s3.b5)", a.where(), clip(sha2))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range parts {
		if !named[strings.ToLower(p.SHA2)] {
			return invalid("", "part %d (X-Experience-API-Hash %s) is the data of no attachment: no sha2 in the statements names it (Communication 1.5.2.s2.b2.b3)", p.Index, p.SHA2)
		}
	}
	return nil
}
