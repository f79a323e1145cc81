package simulate

import (
	"bufio"
	"context"
	"io"
)

// WriteNDJSON writes the statements, one JSON document per line, in
// timestamp order. progress, when set, is called every 10,000 statements
// and at the end.
func (c *Campaign) WriteNDJSON(ctx context.Context, w io.Writer, form Form, progress func(done int)) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	var buf []byte
	for i := range c.events {
		buf = c.Append(buf[:0], i, form)
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
		if (i+1)%10000 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if progress != nil {
				progress(i + 1)
			}
		}
	}
	if progress != nil {
		progress(len(c.events))
	}
	return bw.Flush()
}
