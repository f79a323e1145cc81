package clickhouse

import (
	"context"
	"fmt"
	"strconv"

	ch "github.com/ClickHouse/clickhouse-go/v2"
)

// layout is how the engine's tables are laid out: on one server (the
// migrations), or on a cluster (cluster/0001_cluster.sql), where the facts
// and the aggregates are Distributed tables over local tables named
// <table>_local on every node, and the checkpoints and reference data are
// replicated tables on every node.
//
// Distributed tables take inserts and SELECTs but refuse mutations
// (ALTER … DELETE) and partition operations, so on a cluster the engine's
// repair, void rebuild and reset run them on the local tables, ON CLUSTER;
// TRUNCATE too. Replicated tables replicate their own mutations and
// truncations, so those run as on one server. Every statement also runs
// with the settings of [layout.context]: inserts into Distributed tables
// wait until every shard has its rows (insert_distributed_sync = 1), so that
// a rebuild reads what was just written, and a mutation returns once every
// replica applied it (mutations_sync = 2), so that no replica still holds
// deleted rows when the aggregates are rebuilt.
type layout struct {
	cluster string // "" on one server
}

// sharded are the tables that are Distributed on a cluster.
var sharded = map[string]bool{
	"statements": true, "voided_statements": true,
	"agg_daily": true, "agg_monthly": true, "agg_learner_months": true,
	"statements_reattributed": true,
}

// target returns the table that mutations and partition operations on
// table act on, with the ON CLUSTER clause they need.
func (l layout) target(table string) string {
	if l.cluster == "" || !sharded[table] {
		return table
	}
	return table + "_local ON CLUSTER " + quoteIdent(l.cluster)
}

// deletePast deletes the rows of table past a commit position (one ?).
func (l layout) deletePast(table string) string {
	return "ALTER TABLE " + l.target(table) + " DELETE WHERE event_position > ?"
}

// dropPartition drops one month of an aggregate table.
func (l layout) dropPartition(table string, month uint32) string {
	return "ALTER TABLE " + l.target(table) + " DROP PARTITION " + strconv.FormatUint(uint64(month), 10)
}

// replacePartition replaces one month of table with that month of from
// (same structure and partitioning; on a cluster, shard by shard).
func (l layout) replacePartition(table, from string, month uint32) string {
	src := from
	if l.cluster != "" && sharded[from] {
		src = from + "_local"
	}
	return "ALTER TABLE " + l.target(table) + " REPLACE PARTITION " + strconv.FormatUint(uint64(month), 10) + " FROM " + src
}

// truncate empties table.
func (l layout) truncate(table string) string {
	return "TRUNCATE TABLE " + l.target(table)
}

// check compares the layout with the engine of the table statements.
func (l layout) check(statementsEngine string) error {
	distributed := statementsEngine == "Distributed"
	switch {
	case l.cluster == "" && distributed:
		return fmt.Errorf("clickhouse: the table statements is Distributed (the cluster layout of cluster/0001_cluster.sql): set the cluster's name with --clickhouse-cluster (HOCVU_CLICKHOUSE_CLUSTER)")
	case l.cluster != "" && !distributed:
		return fmt.Errorf("clickhouse: cluster %q is set but the table statements is %s, not Distributed: create the tables with the files of cluster/, or unset --clickhouse-cluster (HOCVU_CLICKHOUSE_CLUSTER)", l.cluster, statementsEngine)
	}
	return nil
}

// context adds the settings of the cluster layout to ctx.
func (l layout) context(ctx context.Context) context.Context {
	if l.cluster == "" {
		return ctx
	}
	return ch.Context(ctx, ch.WithSettings(ch.Settings{
		"insert_distributed_sync": 1,
		"mutations_sync":          2,
	}))
}
