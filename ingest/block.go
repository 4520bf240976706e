package ingest

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/ch-go/proto"
)

// How valid rows reach the engine without text: the parser validates each row into
// typed values (rowEncoder), and the stage takes them column by column in a rowBlock,
// ch-go's columns of ClickHouse's Native format — the format the engine stores its
// own blocks in, read with no parsing: the embedded engine reads the blocks through a
// named pipe (file(…, Native)), a server takes them as clickhouse-go's native batch
// (store.InsertBlock). Measured on 5 M usage rows into the usage table, the engine's
// insert took about 7 CPU-s from Native against 18-20 from TabSeparated or from
// RowBinary typed as the table (reading LowCardinality row by row is most of it), and
// 8 from RowBinary with plain strings.
//
// A block's strings are plain String, not LowCardinality as some table columns are:
// the engine makes the dictionary of a whole block at once when it inserts (no
// slower, measured), and the blocks stay the same for every kind and backend.

// columnKind is the Go side of a block column: what values it holds.
type columnKind uint8

const (
	columnString columnKind = iota
	columnDateTime64
	columnDate
	columnBool
	columnUInt8
	columnUInt16
	columnUInt32
	columnUInt64
)

// columnTypes are the ClickHouse types a block column is declared with, by kind.
var columnTypes = [...]string{
	columnString:     "String",
	columnDateTime64: "DateTime64(3, 'UTC')",
	columnDate:       "Date",
	columnBool:       "Bool",
	columnUInt8:      "UInt8",
	columnUInt16:     "UInt16",
	columnUInt32:     "UInt32",
	columnUInt64:     "UInt64",
}

// blockLayout is the columns of a kind's blocks: the stored columns with the types of
// the kind's table, as the engine is to read them.
type blockLayout struct {
	names    []string
	kinds    []columnKind
	nullable []bool
}

// newBlockLayout checks that the table's types (of the kind's stored columns, in
// order) hold what the kind's validation makes of each column, and returns the
// layout of its blocks. A mismatch is a slip between kinds.go and the migrations.
func newBlockLayout(k *Kind, tableTypes []string) (*blockLayout, error) {
	if len(tableTypes) != len(k.stored) {
		return nil, fmt.Errorf("kind %s: %d table types for %d stored columns", k.Name, len(tableTypes), len(k.stored))
	}
	l := &blockLayout{names: k.StoredColumns()}
	for si, src := range k.sources() {
		t := strings.TrimSpace(tableTypes[si])
		if inner, ok := strings.CutPrefix(t, "LowCardinality("); ok {
			t = strings.TrimSuffix(inner, ")")
		}
		nullable := false
		if inner, ok := strings.CutPrefix(t, "Nullable("); ok {
			t, nullable = strings.TrimSuffix(inner, ")"), true
		}
		kind, ok := columnKindOf(t)
		want := k.storedNullable(src)
		if !ok || nullable != want || !k.holds(src, kind) {
			return nil, fmt.Errorf("kind %s: column %s of table %s is %s, which does not hold what the kind validates", k.Name, k.stored[si], k.Table, tableTypes[si])
		}
		l.kinds = append(l.kinds, kind)
		l.nullable = append(l.nullable, nullable)
	}
	return l, nil
}

func columnKindOf(chType string) (columnKind, bool) {
	for k, t := range columnTypes {
		if t == chType {
			return columnKind(k), true
		}
	}
	return 0, false
}

// storedNullable reports whether the stored column of source src is Nullable.
func (k *Kind) storedNullable(src int) bool { return src >= 0 && k.Columns[src].Nullable }

// holds reports whether a block column of kind c holds the values of source src.
func (k *Kind) holds(src int, c columnKind) bool {
	switch src {
	case srcLine:
		return c == columnUInt64
	case srcYear:
		return c == columnUInt16
	}
	col := k.Columns[src]
	switch col.Type {
	case TypeTimestamp:
		return c == columnDateTime64
	case TypeDate:
		return c == columnDate
	case TypeBool:
		return c == columnBool
	case TypeYear:
		return c == columnUInt16
	case TypeUint:
		// The column must take the largest value validation lets through (Max 0:
		// any 64-bit number).
		largest := map[columnKind]uint64{columnUInt8: 1<<8 - 1, columnUInt16: 1<<16 - 1, columnUInt32: 1<<32 - 1, columnUInt64: 1<<64 - 1}
		most, ok := largest[c]
		return ok && (c == columnUInt64 || col.Max != 0 && col.Max <= most)
	}
	return c == columnString // strings, codes, enumerations, answers
}

// structure is the "name Type, …" of the layout's columns, for file() and for a
// stage table on a server.
func (l *blockLayout) structure() string {
	parts := make([]string, len(l.names))
	for i, name := range l.names {
		t := columnTypes[l.kinds[i]]
		if l.nullable[i] {
			t = "Nullable(" + t + ")"
		}
		parts[i] = name + " " + t
	}
	return strings.Join(parts, ", ")
}

// rowBlock is a batch of rows column by column.
type rowBlock struct {
	layout *blockLayout
	cols   []blockColumn
	rows   int
}

// blockColumn holds one column's values in the ch-go column of its kind.
type blockColumn struct {
	kind     columnKind
	nullable bool
	nulls    proto.ColUInt8
	str      proto.ColStr
	time     proto.ColDateTime64
	date     proto.ColDate
	bool     proto.ColBool
	u8       proto.ColUInt8
	u16      proto.ColUInt16
	u32      proto.ColUInt32
	u64      proto.ColUInt64
}

func newRowBlock(l *blockLayout) *rowBlock {
	b := &rowBlock{layout: l, cols: make([]blockColumn, len(l.kinds))}
	for i := range b.cols {
		c := &b.cols[i]
		c.kind, c.nullable = l.kinds[i], l.nullable[i]
		c.time.WithPrecision(proto.PrecisionMilli).WithLocation(time.UTC)
	}
	return b
}

// add appends a row of values, one per column.
func (b *rowBlock) add(vals []value) {
	for i := range b.cols {
		c, v := &b.cols[i], &vals[i]
		if c.nullable {
			if v.null {
				c.nulls.Append(1)
			} else {
				c.nulls.Append(0)
			}
		}
		switch c.kind {
		case columnString:
			c.str.Append(v.s)
		case columnDateTime64:
			c.time.AppendRaw(proto.DateTime64(v.ms))
		case columnDate:
			c.date = append(c.date, proto.Date(v.u))
		case columnBool:
			c.bool.Append(v.u == 1)
		case columnUInt8:
			c.u8.Append(uint8(v.u))
		case columnUInt16:
			c.u16.Append(uint16(v.u))
		case columnUInt32:
			c.u32.Append(uint32(v.u))
		case columnUInt64:
			c.u64.Append(v.u)
		}
	}
	b.rows++
}

func (b *rowBlock) reset() {
	for i := range b.cols {
		c := &b.cols[i]
		c.nulls.Reset()
		c.str.Reset()
		c.time.Reset()
		c.date.Reset()
		c.bool.Reset()
		c.u8.Reset()
		c.u16.Reset()
		c.u32.Reset()
		c.u64.Reset()
	}
	b.rows = 0
}

// split keeps the rows whose verdict is keyFirst, appends those set aside
// (keySetAside) to setAside and drops the others (keyRepeat), keeping their order; it
// reports whether any row was set aside. The rows before the first one not kept stay
// where they are, and a string column's bytes stay where they are (splitStrings).
func (b *rowBlock) split(verdicts []keyVerdict, setAside *rowBlock) bool {
	from := slices.IndexFunc(verdicts, func(v keyVerdict) bool { return v != keyFirst })
	if from < 0 {
		return false // the common case: every row the first of its key
	}
	aside, kept := 0, from
	for _, v := range verdicts[from:] {
		switch v {
		case keyFirst:
			kept++
		case keySetAside:
			aside++
		}
	}
	for i := range b.cols {
		c, to := &b.cols[i], &setAside.cols[i]
		if c.nullable {
			c.nulls = splitRows(c.nulls, verdicts, from, &to.nulls)
		}
		switch c.kind {
		case columnString:
			splitStrings(&c.str, verdicts, from, &to.str)
		case columnDateTime64:
			c.time.Data = splitRows(c.time.Data, verdicts, from, &to.time.Data)
		case columnDate:
			c.date = splitRows(c.date, verdicts, from, &to.date)
		case columnBool:
			c.bool = splitRows(c.bool, verdicts, from, &to.bool)
		case columnUInt8:
			c.u8 = splitRows(c.u8, verdicts, from, &to.u8)
		case columnUInt16:
			c.u16 = splitRows(c.u16, verdicts, from, &to.u16)
		case columnUInt32:
			c.u32 = splitRows(c.u32, verdicts, from, &to.u32)
		case columnUInt64:
			c.u64 = splitRows(c.u64, verdicts, from, &to.u64)
		}
	}
	b.rows = kept
	setAside.rows += aside
	return aside > 0
}

// splitRows keeps the values of the rows that are the first of their key, in place,
// and appends those set aside to aside; every row before from is kept.
func splitRows[S ~[]T, T any](values S, verdicts []keyVerdict, from int, aside *S) S {
	kept := values[:from]
	for i, v := range values[from:] {
		switch verdicts[from+i] {
		case keyFirst:
			kept = append(kept, v)
		case keySetAside:
			*aside = append(*aside, v)
		}
	}
	return kept
}

// splitStrings is splitRows of a String column. Only the positions move: a kept
// string's bytes stay where they are in the column's buffer, which the Native encoding
// and every reader of the column reach through the positions; the bytes of the rows
// not kept are left unused until the block is reset, but for those after the last
// row kept, which the next rows take: a block all of whose rows were set aside or
// dropped is not sent but filled again (stageWriter.endBatch), and a file of one row
// repeated would otherwise grow it by every batch. Moving the bytes too was 2.0 % of
// the CPU samples of a whole-process 5 M-row load (perf): the filter mistakes about
// one row in 170, so nearly every block of 50 000 rows moved nearly all of its
// strings.
func splitStrings(c *proto.ColStr, verdicts []keyVerdict, from int, aside *proto.ColStr) {
	pos := c.Pos[:from]
	for i, p := range c.Pos[from:] {
		switch verdicts[from+i] {
		case keyFirst:
			pos = append(pos, p) // in place: never ahead of i
		case keySetAside:
			aside.AppendBytes(c.Buf[p.Start:p.End])
		}
	}
	end := 0
	if len(pos) > 0 {
		end = pos[len(pos)-1].End
	}
	c.Buf, c.Pos = c.Buf[:end], pos
}

// input is the block's columns as ch-go's input columns: for a Native block, and
// for store.InsertBlock. It points into the block: valid until the block changes.
func (b *rowBlock) input() []proto.InputColumn {
	in := make([]proto.InputColumn, len(b.cols))
	for i := range b.cols {
		in[i] = proto.InputColumn{Name: b.layout.names[i], Data: b.cols[i].data()}
	}
	return in
}

func (c *blockColumn) data() proto.ColInput {
	switch c.kind {
	case columnString:
		return nullableOf(c, proto.ColumnOf[string](&c.str))
	case columnDateTime64:
		return nullableOf(c, proto.ColumnOf[time.Time](&c.time))
	case columnDate:
		return nullableOf(c, proto.ColumnOf[time.Time](&c.date))
	case columnBool:
		return nullableOf(c, proto.ColumnOf[bool](&c.bool))
	case columnUInt8:
		return nullableOf(c, proto.ColumnOf[uint8](&c.u8))
	case columnUInt16:
		return nullableOf(c, proto.ColumnOf[uint16](&c.u16))
	case columnUInt32:
		return nullableOf(c, proto.ColumnOf[uint32](&c.u32))
	}
	return nullableOf(c, proto.ColumnOf[uint64](&c.u64))
}

// nullableOf is values, wrapped in Nullable with the column's nulls when it is one.
func nullableOf[T any](c *blockColumn, values proto.ColumnOf[T]) proto.ColInput {
	if !c.nullable {
		return values
	}
	return &proto.ColNullable[T]{Nulls: c.nulls, Values: values}
}

// appendNative appends the block in ClickHouse's Native format, as a file holds it
// (revision 0: no block info, no serialization flags).
func (b *rowBlock) appendNative(buf *proto.Buffer) error {
	return proto.Block{Columns: len(b.cols), Rows: b.rows}.EncodeRawBlock(buf, 0, b.input())
}

// appendKey appends the key of a row — its values at the stored positions cols — in
// a form that tells every two keys apart: a string as its length and bytes, any
// other value as eight bytes.
func appendKey(dst []byte, l *blockLayout, vals []value, cols []int) []byte {
	for _, i := range cols {
		v := &vals[i]
		if l.kinds[i] == columnString {
			dst = binary.AppendUvarint(dst, uint64(len(v.s)))
			dst = append(dst, v.s...)
			continue
		}
		n := v.u
		if l.kinds[i] == columnDateTime64 {
			n = uint64(v.ms)
		}
		dst = binary.LittleEndian.AppendUint64(dst, n)
	}
	return dst
}
