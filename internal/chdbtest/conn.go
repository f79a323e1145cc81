package chdbtest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// ConnOption changes what [Session.Conn] does.
type ConnOption func(*conn)

// StripOnCluster makes the connection run a statement that holds
// ON CLUSTER name without that clause, that is, on the session's one node,
// as distributed DDL would run it on each node of a cluster. (chDB has no
// ClickHouse Keeper, so it refuses ON CLUSTER.)
func StripOnCluster() ConnOption { return func(c *conn) { c.stripOnCluster = true } }

// Conn returns a clickhouse-go connection to database db of the session.
// Close does not end the session.
func (s *Session) Conn(db string, opts ...ConnOption) driver.Conn {
	c := &conn{s: s, db: db}
	for _, o := range opts {
		o(c)
	}
	return c
}

type conn struct {
	s              *Session
	db             string
	stripOnCluster bool
}

var _ driver.Conn = (*conn)(nil)

var onCluster = regexp.MustCompile("(?i)\\s+ON\\s+CLUSTER\\s+(`[^`]+`|'[^']+'|[A-Za-z_][A-Za-z0-9_]*)")

func (c *conn) run(ctx context.Context, query, format string, args ...any) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	q, err := Bind(query, args...)
	if err != nil {
		return nil, err
	}
	if c.stripOnCluster {
		q = onCluster.ReplaceAllString(q, "")
	}
	return c.s.Query(c.db, q, format)
}

func (c *conn) Contributors() []string { return nil }

func (c *conn) ServerVersion() (*driver.ServerVersion, error) {
	v := &driver.ServerVersion{Name: "chDB", DisplayName: "chDB " + c.s.version}
	parts := strings.Split(c.s.version, ".")
	for i, p := range parts {
		n, _ := strconv.ParseUint(p, 10, 64)
		switch i {
		case 0:
			v.Version.Major = n
		case 1:
			v.Version.Minor = n
		case 2:
			v.Version.Patch = n
		}
	}
	return v, nil
}

func (c *conn) Select(context.Context, any, string, ...any) error {
	return errors.New("chdbtest: Select is not supported")
}

func (c *conn) Query(ctx context.Context, query string, args ...any) (driver.Rows, error) {
	out, err := c.run(ctx, query, "JSONCompactEachRowWithNamesAndTypes", args...)
	if err != nil {
		return nil, err
	}
	return parseRows(out)
}

func (c *conn) QueryRow(ctx context.Context, query string, args ...any) driver.Row {
	rs, err := c.Query(ctx, query, args...)
	if err != nil {
		return &row{err: err}
	}
	return &row{rows: rs.(*rows)}
}

func (c *conn) Exec(ctx context.Context, query string, args ...any) error {
	_, err := c.run(ctx, query, "TSV", args...)
	return err
}

func (c *conn) QueryFormat(context.Context, string, string, ...any) (io.ReadCloser, error) {
	return nil, errors.New("chdbtest: QueryFormat is not supported")
}

func (c *conn) InsertFormat(context.Context, string, string, io.Reader) error {
	return errors.New("chdbtest: InsertFormat is not supported")
}

func (c *conn) AsyncInsert(context.Context, string, bool, ...any) error {
	return errors.New("chdbtest: AsyncInsert is not supported")
}

func (c *conn) Ping(ctx context.Context) error { return c.Exec(ctx, "SELECT 1") }

func (c *conn) Stats() driver.Stats { return driver.Stats{} }

func (c *conn) Close() error { return nil }

// rows are a whole result, parsed.
type rows struct {
	names, types []string
	data         [][]json.RawMessage
	i            int
	err          error
}

func parseRows(out []byte) (*rows, error) {
	r := &rows{}
	dec := json.NewDecoder(bytes.NewReader(out))
	if !dec.More() {
		return r, nil // a statement without a result
	}
	if err := dec.Decode(&r.names); err != nil {
		return nil, fmt.Errorf("chdbtest: result names: %w", err)
	}
	if err := dec.Decode(&r.types); err != nil {
		return nil, fmt.Errorf("chdbtest: result types: %w", err)
	}
	for dec.More() {
		var cells []json.RawMessage
		if err := dec.Decode(&cells); err != nil {
			return nil, fmt.Errorf("chdbtest: result row: %w", err)
		}
		r.data = append(r.data, cells)
	}
	return r, nil
}

func (r *rows) Next() bool {
	if r.i >= len(r.data) {
		return false
	}
	r.i++
	return true
}

func (r *rows) Scan(dest ...any) error {
	if r.i == 0 || r.i > len(r.data) {
		return errors.New("chdbtest: Scan without a row")
	}
	if len(dest) != len(r.types) {
		return fmt.Errorf("chdbtest: expected %d destination arguments in Scan, not %d", len(r.types), len(dest))
	}
	for j, d := range dest {
		if err := assign(d, r.types[j], r.data[r.i-1][j]); err != nil {
			return fmt.Errorf("chdbtest: column %s: %w", r.names[j], err)
		}
	}
	return nil
}

func (r *rows) ScanStruct(any) error { return errors.New("chdbtest: ScanStruct is not supported") }

func (r *rows) ColumnTypes() []driver.ColumnType {
	out := make([]driver.ColumnType, len(r.types))
	for i := range r.types {
		out[i] = colType{name: r.names[i], typ: r.types[i]}
	}
	return out
}

func (r *rows) Totals(...any) error { return errors.New("chdbtest: Totals is not supported") }
func (r *rows) Columns() []string   { return r.names }
func (r *rows) Close() error        { return nil }
func (r *rows) Err() error          { return r.err }
func (r *rows) HasData() bool       { return len(r.data) > 0 }

type row struct {
	rows *rows
	err  error
}

func (r *row) Err() error { return r.err }

func (r *row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	if !r.rows.Next() {
		return sql.ErrNoRows
	}
	return r.rows.Scan(dest...)
}

func (r *row) ScanStruct(any) error { return errors.New("chdbtest: ScanStruct is not supported") }

type colType struct{ name, typ string }

func (c colType) Name() string             { return c.name }
func (c colType) Nullable() bool           { return strings.HasPrefix(c.typ, "Nullable(") }
func (c colType) DatabaseTypeName() string { return c.typ }
func (c colType) ScanType() reflect.Type {
	t, _ := scanType(c.typ)
	return t
}

var timeType = reflect.TypeOf(time.Time{})

// scanType is the Go type clickhouse-go scans a ClickHouse type into.
func scanType(typ string) (reflect.Type, error) {
	typ = unwrap(typ, "LowCardinality")
	if inner, ok := strings.CutPrefix(typ, "Nullable("); ok {
		t, err := scanType(strings.TrimSuffix(inner, ")"))
		if err != nil {
			return nil, err
		}
		return reflect.PointerTo(t), nil
	}
	if inner, ok := strings.CutPrefix(typ, "Array("); ok {
		t, err := scanType(strings.TrimSuffix(inner, ")"))
		if err != nil {
			return nil, err
		}
		return reflect.SliceOf(t), nil
	}
	if strings.HasPrefix(typ, "Enum8(") || strings.HasPrefix(typ, "Enum16(") || strings.HasPrefix(typ, "FixedString(") {
		return reflect.TypeOf(""), nil
	}
	if strings.HasPrefix(typ, "DateTime") || typ == "Date" || typ == "Date32" {
		return timeType, nil
	}
	t, ok := map[string]reflect.Type{
		"UInt8": reflect.TypeOf(uint8(0)), "UInt16": reflect.TypeOf(uint16(0)), "UInt32": reflect.TypeOf(uint32(0)), "UInt64": reflect.TypeOf(uint64(0)),
		"Int8": reflect.TypeOf(int8(0)), "Int16": reflect.TypeOf(int16(0)), "Int32": reflect.TypeOf(int32(0)), "Int64": reflect.TypeOf(int64(0)),
		"Float32": reflect.TypeOf(float32(0)), "Float64": reflect.TypeOf(float64(0)), "String": reflect.TypeOf(""),
	}[typ]
	if !ok {
		return nil, fmt.Errorf("type %s is not supported", typ)
	}
	return t, nil
}

func unwrap(typ, wrapper string) string {
	if inner, ok := strings.CutPrefix(typ, wrapper+"("); ok {
		return strings.TrimSuffix(inner, ")")
	}
	return typ
}

// assign stores a JSON cell of ClickHouse type typ in dest, which must
// point to exactly the type clickhouse-go would scan it into.
func assign(dest any, typ string, raw json.RawMessage) error {
	want, err := scanType(typ)
	if err != nil {
		return err
	}
	v := reflect.ValueOf(dest)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return fmt.Errorf("destination %T is not a non-nil pointer", dest)
	}
	if v.Elem().Type() != want {
		if v.Elem().Kind() == reflect.Interface && v.Elem().NumMethod() == 0 {
			nv := reflect.New(want)
			if err := decode(nv.Elem(), raw); err != nil {
				return err
			}
			v.Elem().Set(nv.Elem())
			return nil
		}
		return fmt.Errorf("converting %s to %T is unsupported", typ, dest)
	}
	return decode(v.Elem(), raw)
}

func decode(v reflect.Value, raw json.RawMessage) error {
	if v.Kind() == reflect.Pointer {
		if string(raw) == "null" {
			v.SetZero()
			return nil
		}
		p := reflect.New(v.Type().Elem())
		if err := decode(p.Elem(), raw); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}
	if v.Type() == timeType {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		layout := "2006-01-02 15:04:05"
		if len(s) == len("2006-01-02") {
			layout = "2006-01-02"
		}
		t, err := time.ParseInLocation(layout, s, time.UTC)
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(t))
		return nil
	}
	text := strings.Trim(string(raw), `"`)
	switch v.Kind() {
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(text, 10, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetUint(n)
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(text, 10, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetInt(n)
	case reflect.Float32, reflect.Float64:
		f, err := parseFloat(text)
		if err != nil {
			return err
		}
		v.SetFloat(f)
	case reflect.String:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		v.SetString(s)
	case reflect.Slice:
		var cells []json.RawMessage
		if err := json.Unmarshal(raw, &cells); err != nil {
			return err
		}
		out := reflect.MakeSlice(v.Type(), len(cells), len(cells))
		for i, c := range cells {
			if err := decode(out.Index(i), c); err != nil {
				return err
			}
		}
		v.Set(out)
	default:
		return fmt.Errorf("cannot decode into %s", v.Type())
	}
	return nil
}

func parseFloat(s string) (float64, error) {
	switch strings.ToLower(s) {
	case "null", "nan", "-nan":
		return strconvNaN(), nil
	case "inf", "+inf":
		return strconv.ParseFloat("+Inf", 64)
	case "-inf":
		return strconv.ParseFloat("-Inf", 64)
	}
	return strconv.ParseFloat(s, 64)
}

func strconvNaN() float64 { return math.NaN() }

// PrepareBatch accepts INSERT INTO table (c1, c2, …), the only form Hocvu
// uses; Send inserts the rows with INSERT … VALUES.
func (c *conn) PrepareBatch(ctx context.Context, query string, _ ...driver.PrepareBatchOption) (driver.Batch, error) {
	m := insertInto.FindStringSubmatch(query)
	if m == nil {
		return nil, fmt.Errorf("chdbtest: PrepareBatch wants INSERT INTO table (columns), not %q", query)
	}
	b := &batch{c: c, ctx: ctx, table: m[1]}
	out, err := c.run(ctx, "DESCRIBE TABLE "+m[1], "JSONCompactEachRowWithNamesAndTypes")
	if err != nil {
		return nil, err
	}
	desc, err := parseRows(out)
	if err != nil {
		return nil, err
	}
	types := map[string]string{}
	for _, cells := range desc.data {
		var name, typ string
		if err := json.Unmarshal(cells[0], &name); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(cells[1], &typ); err != nil {
			return nil, err
		}
		types[name] = typ
	}
	for _, col := range strings.Split(m[2], ",") {
		col = strings.Trim(strings.TrimSpace(col), "`")
		typ, ok := types[col]
		if !ok {
			return nil, fmt.Errorf("chdbtest: no column %s in table %s", col, m[1])
		}
		b.names = append(b.names, col)
		b.types = append(b.types, typ)
	}
	b.cols = make([][]any, len(b.names))
	return b, nil
}

var insertInto = regexp.MustCompile("(?is)^\\s*INSERT\\s+INTO\\s+([A-Za-z0-9_.`]+)\\s*\\(([^)]*)\\)\\s*$")

type batch struct {
	c            *conn
	ctx          context.Context
	table        string
	names, types []string
	cols         [][]any
	sent         bool
}

func (b *batch) Abort() error { b.sent = true; return nil }

func (b *batch) Append(v ...any) error {
	if len(v) != len(b.names) {
		return fmt.Errorf("chdbtest: expected %d arguments, got %d", len(b.names), len(v))
	}
	for i, x := range v {
		b.cols[i] = append(b.cols[i], x)
	}
	return nil
}

func (b *batch) AppendStruct(any) error {
	return errors.New("chdbtest: AppendStruct is not supported")
}

func (b *batch) Column(i int) driver.BatchColumn { return batchColumn{b: b, i: i} }

type batchColumn struct {
	b *batch
	i int
}

func (c batchColumn) Append(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice {
		return fmt.Errorf("chdbtest: column append wants a slice, not %T", v)
	}
	for j := 0; j < rv.Len(); j++ {
		c.b.cols[c.i] = append(c.b.cols[c.i], rv.Index(j).Interface())
	}
	return nil
}

func (c batchColumn) AppendRow(v any) error {
	c.b.cols[c.i] = append(c.b.cols[c.i], v)
	return nil
}

func (b *batch) Flush() error { return nil }

func (b *batch) Send() error {
	if b.sent {
		return errors.New("chdbtest: batch already sent")
	}
	b.sent = true
	n := len(b.cols[0])
	for i, col := range b.cols {
		if len(col) != n {
			return fmt.Errorf("chdbtest: column %s has %d values, column %s %d", b.names[i], len(col), b.names[0], n)
		}
	}
	if n == 0 {
		return nil
	}
	var q strings.Builder
	q.WriteString("INSERT INTO " + b.table + " (" + strings.Join(b.names, ", ") + ") VALUES ")
	for r := 0; r < n; r++ {
		if r > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for i := range b.cols {
			if i > 0 {
				q.WriteString(", ")
			}
			lit, err := typedLiteral(b.types[i], b.cols[i][r])
			if err != nil {
				return fmt.Errorf("chdbtest: column %s: %w", b.names[i], err)
			}
			q.WriteString(lit)
		}
		q.WriteByte(')')
	}
	_, err := b.c.s.Query(b.c.db, q.String(), "TSV")
	return err
}

func (b *batch) IsSent() bool                { return b.sent }
func (b *batch) Rows() int                   { return len(b.cols[0]) }
func (b *batch) Columns() []column.Interface { return nil }
func (b *batch) Close() error                { return nil }

// typedLiteral renders v as a literal of ClickHouse type typ, as the driver
// would encode it for that column: a Date is the date of a time.Time in its
// own location, a DateTime its instant.
func typedLiteral(typ string, v any) (string, error) {
	typ = unwrap(typ, "LowCardinality")
	if inner, ok := strings.CutPrefix(typ, "Nullable("); ok {
		if v == nil {
			return "NULL", nil
		}
		typ = strings.TrimSuffix(inner, ")")
	}
	if inner, ok := strings.CutPrefix(typ, "Array("); ok {
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Slice {
			return "", fmt.Errorf("%T for %s", v, typ)
		}
		parts := make([]string, rv.Len())
		for i := range parts {
			p, err := typedLiteral(strings.TrimSuffix(inner, ")"), rv.Index(i).Interface())
			if err != nil {
				return "", err
			}
			parts[i] = p
		}
		return "[" + strings.Join(parts, ", ") + "]", nil
	}
	if t, ok := v.(time.Time); ok {
		switch {
		case typ == "Date" || typ == "Date32":
			return quote(t.Format("2006-01-02")), nil
		case strings.HasPrefix(typ, "DateTime"):
			return quote(t.UTC().Format("2006-01-02 15:04:05")), nil
		}
		return "", fmt.Errorf("time.Time for %s", typ)
	}
	return literal(v)
}

// Bind replaces each ? outside quotes and comments in query with the next
// argument as a literal, as clickhouse-go's client-side binding does.
func Bind(query string, args ...any) (string, error) {
	if len(args) == 0 {
		return query, nil
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		ch := query[i]
		switch {
		case ch == '\'' || ch == '`' || ch == '"':
			end := closing(query, i)
			b.WriteString(query[i:end])
			i = end - 1
		case ch == '-' && strings.HasPrefix(query[i:], "--"):
			end := strings.IndexByte(query[i:], '\n')
			if end < 0 {
				end = len(query) - i
			}
			b.WriteString(query[i : i+end])
			i += end - 1
		case ch == '?':
			if n >= len(args) {
				return "", fmt.Errorf("chdbtest: no argument for the ? at %d in %q", i, query)
			}
			lit, err := literal(args[n])
			if err != nil {
				return "", err
			}
			b.WriteString(lit)
			n++
		default:
			b.WriteByte(ch)
		}
	}
	if n != len(args) {
		return "", fmt.Errorf("chdbtest: %d arguments for %d placeholders in %q", len(args), n, query)
	}
	return b.String(), nil
}

// closing returns the index after the quote that closes the one at i.
func closing(s string, i int) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case q:
			return j + 1
		}
	}
	return len(s)
}

// literal renders a bound argument.
func literal(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "NULL", nil
	case string:
		return quote(x), nil
	case time.Time:
		return fmt.Sprintf("toDateTime(%d)", x.Unix()), nil
	case ch.GroupSet:
		parts := make([]string, len(x.Value))
		for i, e := range x.Value {
			p, err := literal(e)
			if err != nil {
				return "", err
			}
			parts[i] = p
		}
		return "(" + strings.Join(parts, ", ") + ")", nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Bool:
		if rv.Bool() {
			return "1", nil
		}
		return "0", nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(rv.Uint(), 10), nil
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		switch {
		case math.IsNaN(f):
			return "nan", nil
		case math.IsInf(f, 1):
			return "inf", nil
		case math.IsInf(f, -1):
			return "-inf", nil
		}
		return strconv.FormatFloat(f, 'g', -1, 64), nil
	case reflect.String:
		return quote(rv.String()), nil
	case reflect.Slice, reflect.Array:
		parts := make([]string, rv.Len())
		for i := range parts {
			p, err := literal(rv.Index(i).Interface())
			if err != nil {
				return "", err
			}
			parts[i] = p
		}
		return "[" + strings.Join(parts, ", ") + "]", nil
	case reflect.Pointer:
		if rv.IsNil() {
			return "NULL", nil
		}
		return literal(rv.Elem().Interface())
	}
	return "", fmt.Errorf("chdbtest: cannot bind %T", v)
}

var quoter = strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\x00", `\0`)

func quote(s string) string { return "'" + quoter.Replace(s) + "'" }
