package keys

import (
	"context"
	"sync"
)

// prepareWorkers bounds the key lookups and creations Prepare runs at once.
const prepareWorkers = 64

// Prepare makes sure every subject has its current key in the cache,
// creating the missing ones concurrently: the store then makes them
// durable together (the embedded store shares one flush between
// concurrent creations), where sealing one statement after another would
// wait for one flush per new person. It returns the first error.
func (k *Keyring) Prepare(ctx context.Context, subjects []string) error {
	seen := make(map[string]bool, len(subjects))
	var missing []string
	for _, s := range subjects {
		if seen[s] {
			continue
		}
		seen[s] = true
		if !k.current.Contains(s) {
			missing = append(missing, s)
		}
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		_, err := k.currentKey(ctx, missing[0])
		return err
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     = make(chan string)
	)
	for range min(prepareWorkers, len(missing)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range next {
				if _, err := k.currentKey(ctx, s); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, s := range missing {
		next <- s
	}
	close(next)
	wg.Wait()
	return firstErr
}
