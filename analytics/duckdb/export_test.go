package duckdb

import (
	"database/sql"
	"errors"
)

// DB exposes the engine's database to the tests.
func DB(e *Engine) *sql.DB { return e.db }

// ErrInjected is what Write returns after FailAfter.
var ErrInjected = errors.New("duckdb: injected failure")

// FailAfter makes Write fail after a stage ("facts", "voids",
// "checkpoint"), before it commits; "" restores it.
func (e *Engine) FailAfter(stage string) {
	e.AfterStage(func(s string) error {
		if s == stage {
			return ErrInjected
		}
		return nil
	})
}

// AfterStage runs f inside Write's transaction after each stage.
func (e *Engine) AfterStage(f func(stage string) error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.afterStage = f
}

// CompactAlways makes Write compact the aggregates after every batch.
func (e *Engine) CompactAlways() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.agg.minGrowth = -1
}

// RecountInParts makes Write count learners again in three parts, however
// few they are.
func (e *Engine) RecountInParts() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.agg.recountParts = 3
}

// RecountSQL is what the aggregates must sum to: both tables counted
// afresh from the facts.
var RecountSQL = [2]string{monthlyRowsSQL, learnerRowsSQL}

// AggArgs are the named parameters of RecountSQL.
func AggArgs() []any { return aggArgs(1) }
