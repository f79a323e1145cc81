package membudget_test

import (
	"strings"
	"testing"

	"github.com/hocvu/hocvu/internal/membudget"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"384MiB", 384 << 20},
		{"384MB", 384 << 20},
		{"384m", 384 << 20},
		{"512MiB", 512 << 20},
		{"1GiB", 1 << 30},
		{"1g", 1 << 30},
		{"1.5GiB", 3 << 29},
		{" 256 MiB ", 256 << 20},
		{"134217728", 128 << 20},
		{"1TiB", 1 << 40},
	} {
		got, err := membudget.Parse(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct{ in, msg string }{
		{"", "want a size"},
		{"lots", "want a size"},
		{"-1GiB", "want a size"},
		{"384XB", "want a size"},
		{"0", "below the minimum of 128MiB"},
		{"64MiB", "below the minimum of 128MiB"},
		{"134217727", "below the minimum"},
		{"2TiB", "above the maximum of 1TiB"},
	} {
		got, err := membudget.Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q) = %d, want an error", tc.in, got)
			continue
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Parse(%q): %v; want it to say %q", tc.in, err, tc.msg)
		}
	}
}

func TestParseDefault(t *testing.T) {
	got, err := membudget.Parse(membudget.DefaultString)
	if err != nil || got != membudget.Default {
		t.Fatalf("Parse(DefaultString) = %d, %v; want Default %d", got, err, membudget.Default)
	}
}

// TestSplitAddsUp checks that the parts, with two memtables per Pebble
// database (the event store, the statement index, two smaller read
// models), never exceed the total, and that the Go heap gets the rest.
func TestSplitAddsUp(t *testing.T) {
	for _, total := range []int64{membudget.Min, membudget.Default, 400_000_000, 1 << 30, 3<<30 + 7, membudget.Max} {
		b := membudget.Split(total)
		sum := b.EventCache + 2*b.EventMemTable + b.ModelCache + 2*b.IndexMemTable + 4*b.ModelMemTable + b.DuckDB + b.GoHeap
		if sum != total || b.Total != total {
			t.Errorf("Split(%d): parts add up to %d, total %d", total, sum, b.Total)
		}
		for name, v := range map[string]int64{
			"EventCache": b.EventCache, "EventMemTable": b.EventMemTable, "ModelCache": b.ModelCache,
			"IndexMemTable": b.IndexMemTable, "ModelMemTable": b.ModelMemTable, "DuckDB": b.DuckDB,
		} {
			if v < 1<<20 {
				t.Errorf("Split(%d).%s = %d, under 1 MiB", total, name, v)
			}
		}
		if b.GoHeap < total/3 {
			t.Errorf("Split(%d).GoHeap = %d, under a third of the budget", total, b.GoHeap)
		}
	}
}

// TestSplitDefault pins the documented split of the default budget (the
// table in the package documentation and docs/deploy.md).
func TestSplitDefault(t *testing.T) {
	const mib = 1 << 20
	got := membudget.Split(membudget.Default)
	want := membudget.Budget{
		Total: 384 * mib, EventCache: 32 * mib, EventMemTable: 16 * mib, ModelCache: 32 * mib,
		IndexMemTable: 32 * mib, ModelMemTable: 4 * mib, DuckDB: 64 * mib, GoHeap: 144 * mib,
	}
	if got != want {
		t.Fatalf("Split(Default) = %+v\nwant %+v", got, want)
	}
}

func TestSplitRaisesToMin(t *testing.T) {
	if got, want := membudget.Split(1), membudget.Split(membudget.Min); got != want {
		t.Fatalf("Split(1) = %+v, want Split(Min) = %+v", got, want)
	}
}

func TestSplitGrows(t *testing.T) {
	small, large := membudget.Split(membudget.Default), membudget.Split(4*membudget.Default)
	if large.EventCache != 4*small.EventCache || large.DuckDB != 4*small.DuckDB || large.GoHeap != 4*small.GoHeap {
		t.Fatalf("a budget four times as large does not give four times the parts: %+v vs %+v", small, large)
	}
}

func TestFormat(t *testing.T) {
	for n, want := range map[int64]string{384 << 20: "384MiB", 1 << 30: "1GiB", membudget.Min: "128MiB"} {
		if got := membudget.Format(n); got != want {
			t.Errorf("Format(%d) = %q, want %q", n, got, want)
		}
	}
}
