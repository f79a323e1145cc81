package documents_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/hocvu/hocvu/lrs/documents"
	"github.com/hocvu/hocvu/privacy/sealing"
	"github.com/hocvu/hocvu/privacy/sealing/sealingtest"
	"github.com/hocvu/hocvu/schemas"
)

// BenchmarkDocumentSealing measures what sealing costs the document
// resources: a PUT then a GET of a 1 KiB State document (new content each
// time) of one of 1,000 learners, in clear and sealed (in-memory keys). docs/benchmarks.md
// ("Sealing") records the figures.
func BenchmarkDocumentSealing(b *testing.B) {
	ctx := context.Background()
	pad := fmt.Sprintf("%01000d", 0)
	for _, mode := range []string{"clear", "sealed"} {
		b.Run(mode, func(b *testing.B) {
			var sealer *sealing.Content
			if mode == "sealed" {
				sealer = &sealing.Content{Keys: sealingtest.NewKeys()}
			}
			s := openService(b, b.TempDir(), sealer)
			defer s.stop()
			i := 0
			for b.Loop() {
				key := documents.Key{Resource: documents.State, ActivityID: "https://hoctap.example/bai-1",
					Agent: fmt.Sprintf("mbox:mailto:learner-%d@example.vn", i%1000), ID: "progress"}
				i++
				// Each write has new content, as a learner's progress does:
				// in clear as sealed, each stores a new blob.
				body := []byte(fmt.Sprintf(`{"progress":%d,"note":"%s"}`, i, pad))
				if _, err := s.Write(ctx, &documents.WriteRequest{Key: key, Method: http.MethodPut, Content: body,
					ContentType: "application/json", Version: schemas.V103}); err != nil {
					b.Fatal(err)
				}
				_, rc, err := s.Get(ctx, key)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, rc); err != nil {
					b.Fatal(err)
				}
				_ = rc.Close()
			}
		})
	}
}
