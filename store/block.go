package store

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unsafe"

	"github.com/ClickHouse/ch-go/proto"
)

// InsertBlock inserts rows given column by column, typed — ch-go's columns, as
// ClickHouse's Native format holds them — into table, as one INSERT: on a server
// clickhouse-go's native batch, so that the server has no text to parse. The
// columns' names are the table's; their types must be those of the table's columns
// (a server checks them, as it does a batch's). On a cluster the rows go where a
// statement writing table goes (Exec). Any other store gets them as TabSeparated text
// (InsertTSV): the embedded engine's query text is a C string, which binary data would
// end at its first zero byte (a load streams its blocks to it through a named pipe
// and file(…, Native) instead).
func InsertBlock(ctx context.Context, s Store, table string, block []proto.InputColumn) error {
	if len(block) == 0 || block[0].Data.Rows() == 0 {
		return nil
	}
	if c := clusterOf(s); c != nil {
		return c.write(ctx, table, func(srv *server) error { return srv.insertBlock(ctx, table, block) })
	}
	if srv, ok := find[*server](s); ok {
		return srv.insertBlock(ctx, table, block)
	}
	names := make([]string, len(block))
	for i, c := range block {
		names[i] = c.Name
	}
	tsv, err := blockTSV(block)
	if err != nil {
		return fmt.Errorf("INSERT INTO %s: %w", table, err)
	}
	return s.InsertTSV(ctx, table, names, tsv)
}

// blockTSV writes a block's rows as TabSeparated text, values as the engine prints
// them.
func blockTSV(block []proto.InputColumn) ([]byte, error) {
	columns := make([]func(dst []byte, row int) []byte, len(block))
	for i, c := range block {
		f, err := textOfColumn(c.Data)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", c.Name, err)
		}
		columns[i] = f
	}
	var out []byte
	for row := range block[0].Data.Rows() {
		for i, f := range columns {
			if i > 0 {
				out = append(out, '\t')
			}
			out = f(out, row)
		}
		out = append(out, '\n')
	}
	return out, nil
}

// textOfColumn is a function that appends a row's value of col as TabSeparated text.
func textOfColumn(col proto.ColInput) (func(dst []byte, row int) []byte, error) {
	if _, nullable := col.(interface{ IsElemNull(int) bool }); nullable {
		values, err := batchValues(col) // a slice of pointers
		if err != nil {
			return nil, err
		}
		v := reflect.ValueOf(values)
		return func(dst []byte, row int) []byte {
			p := v.Index(row)
			if p.IsNil() {
				return append(dst, `\N`...)
			}
			return EscapeTSV(dst, textOf(p, string(col.Type())))
		}, nil
	}
	values, err := batchValues(col)
	if err != nil {
		return nil, err
	}
	v := reflect.ValueOf(values)
	return func(dst []byte, row int) []byte { return EscapeTSV(dst, textOf(v.Index(row), string(col.Type()))) }, nil
}

func (s *server) insertBlock(ctx context.Context, table string, block []proto.InputColumn) error {
	names := make([]string, len(block))
	for i, c := range block {
		names[i] = c.Name
	}
	query := "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ")"
	batch, err := s.conn.PrepareBatch(ctx, query)
	if err != nil {
		return s.queryError(query, err)
	}
	for i, c := range block {
		values, err := batchValues(c.Data)
		if err == nil {
			err = batch.Column(i).Append(values)
		}
		if err != nil {
			batch.Abort()
			return fmt.Errorf("%s, column %s: %w", query, c.Name, err)
		}
	}
	if err := batch.Send(); err != nil {
		return s.queryError(query, err)
	}
	return nil
}

// batchValues is a ch-go column's values as clickhouse-go's batch takes a column of
// its type. Strings are not copied: they point into the column, which the batch
// copies from when it appends them.
func batchValues(col proto.ColInput) (any, error) {
	switch c := col.(type) {
	case *proto.ColStr:
		out := make([]string, len(c.Pos))
		for i, p := range c.Pos {
			if p.End > p.Start {
				out[i] = unsafe.String(&c.Buf[p.Start], p.End-p.Start)
			}
		}
		return out, nil
	case *proto.ColDateTime64:
		return rowsOf(c.Rows(), c.Row), nil
	case *proto.ColDate:
		return rowsOf(c.Rows(), c.Row), nil
	case *proto.ColBool:
		return []bool(*c), nil
	case *proto.ColUInt8:
		return []uint8(*c), nil
	case *proto.ColUInt16:
		return []uint16(*c), nil
	case *proto.ColUInt32:
		return []uint32(*c), nil
	case *proto.ColUInt64:
		return []uint64(*c), nil
	case *proto.ColNullable[uint64]:
		return nullableValues(c), nil
	case *proto.ColNullable[uint32]:
		return nullableValues(c), nil
	case *proto.ColNullable[uint16]:
		return nullableValues(c), nil
	case *proto.ColNullable[uint8]:
		return nullableValues(c), nil
	case *proto.ColNullable[string]:
		return nullableValues(c), nil
	case *proto.ColNullable[bool]:
		return nullableValues(c), nil
	case *proto.ColNullable[time.Time]:
		return nullableValues(c), nil
	}
	return nil, fmt.Errorf("no batch form for a column of %s", col.Type())
}

func rowsOf[T any](n int, row func(int) T) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = row(i)
	}
	return out
}

// nullableValues is a Nullable column as pointers: nil for NULL.
func nullableValues[T any](c *proto.ColNullable[T]) []*T {
	out := make([]*T, c.Rows())
	values := make([]T, c.Rows())
	for i := range out {
		if c.Nulls[i] == 0 {
			values[i] = c.Values.Row(i)
			out[i] = &values[i]
		}
	}
	return out
}
