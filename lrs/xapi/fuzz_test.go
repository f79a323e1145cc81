package xapi_test

import (
	"strings"
	"testing"

	"github.com/hocvu/hocvu/lrs/xapi"
	"golang.org/x/text/language"
)

// Memory bounds of the fuzz targets: what one input may allocate, linear
// in its size (the superlinear cases are the ones to catch).
const (
	fuzzAllocBase    = 8 << 20
	fuzzAllocPerByte = 512
)

// FuzzValidateStatement feeds arbitrary bytes through the raw checks,
// decoding, validation, formatting and comparison, as the LRS does with a
// request body. It asserts that nothing panics, that every document is
// Equivalent to itself, and that memory stays linear in the input. The
// seed corpus is in testdata/fuzz/FuzzValidateStatement and runs with
// every go test.
func FuzzValidateStatement(f *testing.F) {
	f.Add([]byte(baseStatement))
	f.Add([]byte(`[` + baseStatement + `,` + baseStatement + `]`))
	f.Add([]byte(`{"result":{"score":{"raw":1e400,"min":-1e-400,"max":1` + strings.Repeat("0", 1000) + `}}}`))
	f.Add([]byte(strings.Repeat("[", 20000) + strings.Repeat("]", 20000)))
	accept := []language.Tag{language.German, language.AmericanEnglish}
	f.Fuzz(func(t *testing.T, data []byte) {
		alloc := allocated(func() {
			if ps := xapi.CheckJSON(data); ps != nil {
				return // the LRS stops here with 400
			}
			doc, err := xapi.Decode(data)
			if err != nil {
				return
			}
			for _, v := range []xapi.Version{xapi.V103, xapi.V200} {
				for _, p := range xapi.ValidateStatement(v, doc) {
					if p.Rule == "" || p.Message == "" {
						t.Fatalf("incomplete problem %+v", p)
					}
				}
				xapi.ValidateStatements(v, doc)
				xapi.ValidateActor(v, doc)
				xapi.ValidateActivity(v, doc)
			}
			if xapi.CheckNumbers(doc, "") != nil {
				return // refused: the LRS never formats or compares it
			}
			for _, format := range []string{xapi.FormatExact, xapi.FormatIDs, xapi.FormatCanonical} {
				xapi.Format(doc, format, accept)
			}
			if !xapi.Equivalent(doc, doc) {
				t.Fatalf("document not equivalent to itself: %s", data)
			}
		})
		if limit := uint64(fuzzAllocBase + fuzzAllocPerByte*len(data)); alloc > limit {
			t.Fatalf("%d bytes of input allocated %d bytes (bound %d)", len(data), alloc, limit)
		}
	})
}

// FuzzJSONShape builds documents of a given nesting depth, width (members
// per object, items per array) and key length, optionally repeating keys,
// and checks that the raw checks answer within memory linear in the
// document (F2 of issue 12: the duplicate-key scan's memory grew with the
// square of the depth) and refuse exactly the documents deeper than
// MaxDepth.
func FuzzJSONShape(f *testing.F) {
	f.Add(uint32(10), uint16(3), uint16(5), true, false)
	f.Add(uint32(64), uint16(1), uint16(1), true, true)
	f.Add(uint32(65), uint16(1), uint16(1), false, false)
	f.Add(uint32(100000), uint16(1), uint16(1), false, true)
	f.Add(uint32(30000), uint16(1), uint16(1), true, true)
	f.Add(uint32(2), uint16(5000), uint16(3), true, false)
	f.Add(uint32(3), uint16(10), uint16(60000), true, false)
	f.Fuzz(func(t *testing.T, depth uint32, width, keyLen uint16, dup, arrays bool) {
		depth = depth%200000 + 1
		w := int(width)%2000 + 1
		key := strings.Repeat("k", int(keyLen)%100000+1)
		// The document's size, computed before it is built: inputs larger
		// than any request body the LRS reads (16 MiB) are skipped.
		objLevel := uint64(len(key)+3) + uint64(w-1)*uint64(len(key)+6)
		if !dup {
			objLevel += uint64(w-1) * uint64(w) / 2
		}
		arrLevel := uint64(2 + 2*(w-1))
		size := uint64(depth) * objLevel
		if arrays {
			size = uint64(depth+1)/2*objLevel + uint64(depth)/2*arrLevel
		}
		if size > 16<<20 {
			t.Skip("document over 16 MiB")
		}
		// Build the document without recursion: depth containers, each
		// with w members (the last one nests the next level).
		var b strings.Builder
		for i := uint32(0); i < depth; i++ {
			if arrays && i%2 == 1 {
				b.WriteByte('[')
				for j := 1; j < w; j++ {
					b.WriteString(`1,`)
				}
				continue
			}
			b.WriteByte('{')
			for j := 1; j < w; j++ {
				k := key
				if !dup {
					k += strings.Repeat("x", j)
				}
				b.WriteString(`"` + k + `":1,`)
			}
			b.WriteString(`"` + key + `":`)
		}
		b.WriteString("1")
		for i := int(depth) - 1; i >= 0; i-- {
			if arrays && i%2 == 1 {
				b.WriteByte(']')
			} else {
				b.WriteByte('}')
			}
		}
		data := []byte(b.String())
		var ps []xapi.Problem
		alloc := allocated(func() { ps = xapi.CheckJSON(data) })
		if limit := uint64(fuzzAllocBase + fuzzAllocPerByte*len(data)); alloc > limit {
			t.Fatalf("depth %d, width %d, key %d: %d bytes allocated %d (bound %d)", depth, w, len(key), len(data), alloc, limit)
		}
		tooDeep := depth > xapi.MaxDepth
		if got := len(ps) == 1 && ps[0].Rule == "json.max-depth"; got != tooDeep {
			t.Fatalf("depth %d: problems %.300v", depth, ps)
		}
		if !tooDeep && dup && w > 1 && len(ps) == 0 {
			t.Fatalf("depth %d, width %d: repeated keys not found", depth, w)
		}
		if len(ps) > 100 {
			t.Fatalf("%d problems", len(ps))
		}
	})
}
