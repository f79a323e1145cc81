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
