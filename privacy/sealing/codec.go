package sealing

import (
	"bytes"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// codec is a decoder reading one value and an encoder writing its
// rewrite, pooled: a statement is rewritten in several small passes, and
// a new jsontext.Decoder and Encoder each time cost more than the rewrite.
type codec struct {
	rd  bytes.Reader
	dec jsontext.Decoder
	out bytes.Buffer
	enc jsontext.Encoder
}

var codecs = sync.Pool{New: func() any { return new(codec) }}

// transcode runs fn with a decoder over raw and an encoder, and returns
// a copy of what the encoder wrote (without the trailing newline).
func transcode(raw []byte, fn func(dec *jsontext.Decoder, enc *jsontext.Encoder) error) ([]byte, error) {
	c := codecs.Get().(*codec)
	defer codecs.Put(c)
	c.rd.Reset(raw)
	c.dec.Reset(&c.rd, lenient...)
	c.out.Reset()
	c.enc.Reset(&c.out, lenient...)
	if err := fn(&c.dec, &c.enc); err != nil {
		return nil, err
	}
	return bytes.Clone(bytes.TrimRight(c.out.Bytes(), "\n")), nil
}

// splice runs walk with a decoder over raw; walk calls replace(v, nv) for
// each value v it just read (before reading further), and raw is returned
// with every v for which nv is not v itself replaced by nv. Untouched
// bytes are copied as they are, never re-encoded.
func splice(raw []byte, walk func(dec *jsontext.Decoder, replace func(v, nv jsontext.Value)) error) ([]byte, error) {
	c := codecs.Get().(*codec)
	defer codecs.Put(c)
	c.rd.Reset(raw)
	c.dec.Reset(&c.rd, lenient...)
	var out []byte
	last := 0
	replace := func(v, nv jsontext.Value) {
		if len(nv) == len(v) && (len(v) == 0 || &nv[0] == &v[0]) {
			return // unchanged
		}
		end := int(c.dec.InputOffset())
		start := end - len(v)
		if out == nil {
			out = make([]byte, 0, len(raw)+len(nv))
		}
		out = append(out, raw[last:start]...)
		out = append(out, nv...)
		last = end
	}
	if err := walk(&c.dec, replace); err != nil {
		return nil, err
	}
	if out == nil {
		return raw, nil
	}
	return append(out, raw[last:]...), nil
}
