// Command chdbsql runs SQL on chDB (ClickHouse as an in-process library)
// for internal/chdbtest, which builds and starts it. It is test tooling,
// never part of the hocvu binary.
//
// chDB allows one session per process and its package panics at start-up
// when libchdb.so cannot be loaded, so the tests keep it out of their own
// process: this program holds the one session (data in -dir, server
// settings from -config) and answers requests one at a time. Requests are
// JSON lines on stdin ({"db": …, "sql": …, "format": …}, run in database
// db, "" meaning default); each answer is a
// JSON line ({"out": …} or {"err": …}) on file descriptor 3, so that
// whatever the library prints on stdout or stderr cannot corrupt it. The
// library is the file CHDB_LIB_PATH names.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/chdb-io/chdb-go/chdb"
)

type request struct {
	DB     string `json:"db"`
	SQL    string `json:"sql"`
	Format string `json:"format"`
}

type response struct {
	Out []byte `json:"out,omitempty"`
	Err string `json:"err,omitempty"`
}

func main() {
	dir := flag.String("dir", "", "data directory of the session")
	config := flag.String("config", "", "server configuration file (clusters, macros, timezone)")
	flag.Parse()
	if err := run(*dir, *config); err != nil {
		fmt.Fprintln(os.Stderr, "chdbsql:", err)
		os.Exit(1)
	}
}

func run(dir, config string) error {
	conn := dir
	if config != "" {
		conn += "?config-file=" + config
	}
	s, err := chdb.NewSession(conn)
	if err != nil {
		return fmt.Errorf("open session in %s: %w", dir, err)
	}
	defer s.Close()
	answers := os.NewFile(3, "answers")
	if answers == nil {
		return fmt.Errorf("no file descriptor 3 for the answers")
	}
	out := json.NewEncoder(answers)
	in := bufio.NewReader(os.Stdin)
	dec := json.NewDecoder(in)
	current := ""
	for {
		var req request
		if err := dec.Decode(&req); err != nil {
			return nil // stdin closed: the tests are over
		}
		var resp response
		if req.DB == "" {
			req.DB = "default"
		}
		if req.DB != current {
			if _, err := s.Query("USE `"+req.DB+"`", "TSV"); err != nil {
				resp.Err = err.Error()
				if err := out.Encode(resp); err != nil {
					return err
				}
				continue
			}
			current = req.DB
		}
		r, err := s.Query(req.SQL, req.Format)
		switch {
		case err != nil:
			resp.Err = err.Error()
		case r != nil:
			if err := r.Error(); err != nil {
				resp.Err = err.Error()
			} else {
				resp.Out = append([]byte(nil), r.Buf()...)
			}
			r.Free()
		}
		if err := out.Encode(resp); err != nil {
			return err
		}
	}
}
