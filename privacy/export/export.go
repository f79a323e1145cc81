// Package export writes everything the LRS keeps about one person, for an
// access request (Decree 13/2023/ND-CP, Law 91/2025/QH15; docs/privacy.md
// "Access export"), as one ZIP archive:
//
//	manifest.json              who was asked for, when, and the counts
//	statements.json            {"statements": [...]}: every statement in which
//	                           the person appears (actor, object, authority,
//	                           instructor, team, context agents and groups,
//	                           group members, SubStatements), voided ones too,
//	                           oldest first, as the Statement API returns them
//	attachments/<sha2>         the attachments those statements carry
//	documents/<n>.json         a State or Agent Profile document of the person:
//	                           its key, content type, ETag and time
//	documents/<n>.content      its content, as stored
//	directory.json             the person's learner-directory entry, when
//	                           they have one (an account the campaign loaded)
//
// The archive is written as it is read (a page of statements at a time,
// documents and attachments streamed), so memory stays bounded whatever
// the person's history.
package export

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/documents"
)

// Statements finds statements (the statement index, which opens sealed
// people).
type Statements interface {
	Query(ctx context.Context, q lrs.Query) ([]lrs.StoredStatement, *lrs.Cursor, error)
}

// DocumentIndex lists the documents of a person (documentindex.Index).
type DocumentIndex interface {
	PersonDocuments(ctx context.Context, agent string) ([]documents.Key, error)
}

// Documents reads a document (documents.Service).
type Documents interface {
	Get(ctx context.Context, key documents.Key) (*documents.Document, io.ReadCloser, error)
}

// Directory finds the learner-directory entry of a person (campaign/
// reference, opened with the keyring when sealed); found is false when
// the person has none (or it was erased).
type Directory interface {
	Learner(ctx context.Context, agentKey string) (entry any, found bool, err error)
}

// Blobs reads attachments by SHA-256, in a person's scope or ("") the
// shared store (attachments.Store).
type Blobs interface {
	OpenScoped(scope, sha2 string) (io.ReadCloser, int64, error)
}

// Exporter writes access exports.
type Exporter struct {
	Statements Statements
	Index      DocumentIndex
	Documents  Documents
	Blobs      Blobs
	// Directory, when set, adds the learner-directory entry.
	Directory Directory
	// Now is the clock (tests); time.Now when nil.
	Now func() time.Time
}

// ErrNothingKept is returned by Check for a person of whom the LRS keeps
// no statement and no document (never seen, or erased).
var ErrNothingKept = errors.New("export: no statement or document of this person is kept")

// Manifest is manifest.json.
type Manifest struct {
	// Agent is the agent the export was asked for.
	Agent       json.RawMessage `json:"agent"`
	ExportedAt  time.Time       `json:"exportedAt"`
	Statements  int             `json:"statements"`
	Documents   int             `json:"documents"`
	Attachments int             `json:"attachments"`
	// Directory is true when the archive holds a directory entry.
	Directory bool `json:"directory"`
	// Missing lists attachments the statements name but the LRS does
	// not hold (sent by fileUrl), by SHA-256.
	Missing []string `json:"missingAttachments,omitempty"`
}

// pageSize is how many statements are read at a time.
const pageSize = 100

// Check reports ErrNothingKept when nothing of the person whose agent key
// (xapi.AgentKey) is given is kept, before an archive is started.
func (e *Exporter) Check(ctx context.Context, agentKey string) error {
	sts, _, err := e.Statements.Query(ctx, lrs.Query{Agent: agentKey, RelatedAgents: true, IncludeVoided: true, Limit: 1})
	if err != nil {
		return fmt.Errorf("export: find statements: %w", err)
	}
	if len(sts) > 0 {
		return nil
	}
	docs, err := e.Index.PersonDocuments(ctx, agentKey)
	if err != nil {
		return fmt.Errorf("export: find documents: %w", err)
	}
	if len(docs) > 0 {
		return nil
	}
	if e.Directory != nil {
		if _, found, err := e.Directory.Learner(ctx, agentKey); err != nil {
			return fmt.Errorf("export: find the directory entry: %w", err)
		} else if found {
			return nil
		}
	}
	return ErrNothingKept
}

// Write writes the archive of the person whose agent key is agentKey
// (agent is the agent as asked, for the manifest) to w, and returns its
// manifest.
func (e *Exporter) Write(ctx context.Context, w io.Writer, agentKey string, agent json.RawMessage) (Manifest, error) {
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	m := Manifest{Agent: agent, ExportedAt: now().UTC()}
	z := zip.NewWriter(w)
	shas, err := e.writeStatements(ctx, z, agentKey, &m)
	if err != nil {
		return m, err
	}
	if err := e.writeAttachments(z, shas, &m); err != nil {
		return m, err
	}
	if err := e.writeDocuments(ctx, z, agentKey, &m); err != nil {
		return m, err
	}
	if err := e.writeDirectory(ctx, z, agentKey, &m); err != nil {
		return m, err
	}
	mw, err := z.Create("manifest.json")
	if err != nil {
		return m, fmt.Errorf("export: %w", err)
	}
	enc := json.NewEncoder(mw)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return m, fmt.Errorf("export: manifest: %w", err)
	}
	if err := z.Close(); err != nil {
		return m, fmt.Errorf("export: %w", err)
	}
	return m, nil
}

// writeStatements writes statements.json and returns the SHA-256 of the
// attachments the statements carry, in order of first appearance.
// blob is an attachment of the person's statements.
type blob struct{ scope, sha2 string }

func (e *Exporter) writeStatements(ctx context.Context, z *zip.Writer, agentKey string, m *Manifest) ([]blob, error) {
	sw, err := z.Create("statements.json")
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if _, err := io.WriteString(sw, `{"statements":[`); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	var shas []blob
	seen := map[string]bool{}
	q := lrs.Query{Agent: agentKey, RelatedAgents: true, IncludeVoided: true, Ascending: true, Limit: pageSize}
	for {
		page, more, err := e.Statements.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("export: find statements: %w", err)
		}
		for _, st := range page {
			sep := ",\n"
			if m.Statements == 0 {
				sep = "\n"
			}
			if _, err := io.WriteString(sw, sep); err != nil {
				return nil, fmt.Errorf("export: %w", err)
			}
			if _, err := sw.Write(st.JSON); err != nil {
				return nil, fmt.Errorf("export: %w", err)
			}
			m.Statements++
			for _, sha := range attachmentHashes(st.JSON) {
				if !seen[sha] {
					seen[sha] = true
					shas = append(shas, blob{scope: st.AttachmentScope, sha2: sha})
				}
			}
		}
		if more == nil {
			break
		}
		q.After = more
	}
	if _, err := io.WriteString(sw, "\n]}\n"); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return shas, nil
}

// attachmentHashes returns the sha2 of every attachment of a statement.
func attachmentHashes(statement []byte) []string {
	var st struct {
		Attachments []struct {
			SHA2 string `json:"sha2"`
		} `json:"attachments"`
	}
	if json.Unmarshal(statement, &st) != nil {
		return nil
	}
	out := make([]string, 0, len(st.Attachments))
	for _, a := range st.Attachments {
		if a.SHA2 != "" {
			out = append(out, a.SHA2)
		}
	}
	return out
}

func (e *Exporter) writeAttachments(z *zip.Writer, blobs []blob, m *Manifest) error {
	for _, b := range blobs {
		rc, _, err := e.Blobs.OpenScoped(b.scope, b.sha2)
		if err != nil {
			m.Missing = append(m.Missing, b.sha2)
			continue
		}
		err = copyEntry(z, "attachments/"+b.sha2, rc)
		_ = rc.Close()
		if err != nil {
			return err
		}
		m.Attachments++
	}
	return nil
}

// documentEntry is documents/<n>.json.
type documentEntry struct {
	Resource     documents.Resource `json:"resource"`
	ActivityID   string             `json:"activityId,omitempty"`
	Registration string             `json:"registration,omitempty"`
	ID           string             `json:"id"`
	ContentType  string             `json:"contentType"`
	ETag         string             `json:"etag"`
	Updated      time.Time          `json:"updated"`
	Content      string             `json:"content"` // the entry holding the content
}

func (e *Exporter) writeDocuments(ctx context.Context, z *zip.Writer, agentKey string, m *Manifest) error {
	keys, err := e.Index.PersonDocuments(ctx, agentKey)
	if err != nil {
		return fmt.Errorf("export: find documents: %w", err)
	}
	for _, k := range keys {
		// The service finds the document from the agent in clear, also
		// one stored before sealing.
		k.Agent = agentKey
		doc, rc, err := e.Documents.Get(ctx, k)
		if lrs.KindOf(err) == lrs.KindNotFound {
			continue // deleted or erased since it was listed
		}
		if err != nil {
			return fmt.Errorf("export: read document: %w", err)
		}
		n := m.Documents + 1
		name := fmt.Sprintf("documents/%d.content", n)
		err = copyEntry(z, name, rc)
		_ = rc.Close()
		if err != nil {
			return err
		}
		meta, err := json.MarshalIndent(documentEntry{Resource: k.Resource, ActivityID: k.ActivityID, Registration: k.Registration,
			ID: k.ID, ContentType: doc.ContentType, ETag: doc.ETag(), Updated: doc.Updated, Content: name}, "", "  ")
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if err := copyEntry(z, fmt.Sprintf("documents/%d.json", n), bytes.NewReader(meta)); err != nil {
			return err
		}
		m.Documents++
	}
	return nil
}

func (e *Exporter) writeDirectory(ctx context.Context, z *zip.Writer, agentKey string, m *Manifest) error {
	if e.Directory == nil {
		return nil
	}
	entry, found, err := e.Directory.Learner(ctx, agentKey)
	if err != nil {
		return fmt.Errorf("export: find the directory entry: %w", err)
	}
	if !found {
		return nil
	}
	b, err := json.MarshalIndent(entry, "", "  ")
	if err != nil {
		return fmt.Errorf("export: directory entry: %w", err)
	}
	if err := copyEntry(z, "directory.json", bytes.NewReader(b)); err != nil {
		return err
	}
	m.Directory = true
	return nil
}

func copyEntry(z *zip.Writer, name string, r io.Reader) error {
	w, err := z.Create(name)
	if err != nil {
		return fmt.Errorf("export: %s: %w", name, err)
	}
	if _, err := io.Copy(w, r); err != nil {
		return fmt.Errorf("export: %s: %w", name, err)
	}
	return nil
}
