package pebblemodel

import (
	"fmt"
	"log/slog"

	"github.com/cockroachdb/pebble/v2"
)

// Scan calls fn with every live key and value of the Pebble database in
// dir (any of Hocvu's: a read model, the key store), opened read-only.
// It is for checks of what a database holds logically, which a scan of
// its files cannot see through compression: the erasure tests. The
// database must not be open in another process.
func Scan(dir string, fn func(key, value []byte) error) (err error) {
	db, err := pebble.Open(dir, &pebble.Options{ReadOnly: true, Logger: quietLogger{l: slog.New(slog.DiscardHandler), component: "scan"}})
	if err != nil {
		return fmt.Errorf("pebblemodel: open %s read-only: %w", dir, err)
	}
	defer func() {
		if cerr := db.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("pebblemodel: close %s: %w", dir, cerr)
		}
	}()
	it, err := db.NewIter(nil)
	if err != nil {
		return fmt.Errorf("pebblemodel: scan %s: %w", dir, err)
	}
	defer it.Close()
	for valid := it.First(); valid; valid = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			return fmt.Errorf("pebblemodel: scan %s: %w", dir, err)
		}
		if err := fn(it.Key(), v); err != nil {
			return err
		}
	}
	return it.Error()
}
