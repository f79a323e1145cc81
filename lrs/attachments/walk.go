package attachments

import (
	"strconv"
)

// forEachStatement calls fn for every Statement of doc, the decoded first
// part: a single Statement (index 0, pointer "") or an array of them.
func forEachStatement(doc any, fn func(i int, ptr string, st map[string]any) error) error {
	switch v := doc.(type) {
	case map[string]any:
		return fn(0, "", v)
	case []any:
		for i, e := range v {
			ptr := "/" + strconv.Itoa(i)
			st, ok := e.(map[string]any)
			if !ok {
				return invalid(ptr, "statement %d is not a JSON object", i)
			}
			if err := fn(i, ptr, st); err != nil {
				return err
			}
		}
		return nil
	}
	return invalid("", "the statements must be a JSON object or an array of objects")
}

// attachment is one Attachment object of a Statement or of its
// SubStatement.
type attachment struct {
	stmt  int    // index of the Statement in the request
	index int    // index in its attachments array
	sub   bool   // in the SubStatement of the Statement
	ptr   string // JSON pointer to the object
	obj   map[string]any
}

// where names the attachment for messages.
func (a attachment) where() string {
	if a.sub {
		return "statement " + strconv.Itoa(a.stmt) + ", SubStatement attachment " + strconv.Itoa(a.index)
	}
	return "statement " + strconv.Itoa(a.stmt) + ", attachment " + strconv.Itoa(a.index)
}

// attachmentsOf lists the attachments of st; with sub set it includes those
// of a SubStatement object (Data 2.4.11 allows them, though it recommends
// putting them on the Statement).
func attachmentsOf(i int, ptr string, st map[string]any, sub bool) ([]attachment, error) {
	out, err := attachmentArray(i, ptr, st, false)
	if err != nil || !sub {
		return out, err
	}
	obj, ok := st["object"].(map[string]any)
	if !ok || obj["objectType"] != "SubStatement" {
		return out, nil
	}
	more, err := attachmentArray(i, ptr+"/object", obj, true)
	return append(out, more...), err
}

func attachmentArray(i int, ptr string, st map[string]any, sub bool) ([]attachment, error) {
	raw, ok := st["attachments"]
	if !ok || raw == nil {
		return nil, nil
	}
	arr, ok := raw.([]any)
	if !ok {
		return nil, invalid(ptr+"/attachments", "attachments must be an array")
	}
	out := make([]attachment, 0, len(arr))
	for j, e := range arr {
		a := attachment{stmt: i, index: j, sub: sub, ptr: ptr + "/attachments/" + strconv.Itoa(j)}
		if a.obj, ok = e.(map[string]any); !ok {
			return nil, invalid(a.ptr, "%s is not a JSON object", a.where())
		}
		out = append(out, a)
	}
	return out, nil
}

// sha2 returns the attachment's sha2 property.
func (a attachment) sha2() (string, error) {
	s, ok := a.obj["sha2"].(string)
	if !ok || s == "" {
		return "", invalid(a.ptr+"/sha2", "%s has no sha2 string (Data 2.4.11)", a.where())
	}
	return s, nil
}

// hasFileURL reports whether the attachment names a fileUrl.
func (a attachment) hasFileURL() bool {
	u, ok := a.obj["fileUrl"].(string)
	return ok && u != ""
}
