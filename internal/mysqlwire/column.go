package mysqlwire

import (
	"encoding/binary"
	"errors"
)

// Column is one column of a result as the server describes it.
type Column struct {
	Name     string
	Type     byte   // field type: TypeTiny, …
	Flags    uint16 // column flags: FlagUnsigned, …
	Decimals byte   // digits of fractional seconds (0 to 6) or of a decimal
}

// Unsigned reports whether an integer column is unsigned.
func (c Column) Unsigned() bool { return c.Flags&FlagUnsigned != 0 }

// parseColumn reads a column definition packet (Protocol::ColumnDefinition41).
func parseColumn(p []byte) (Column, error) {
	var c Column
	pos := 0
	for i := range 6 { // catalog, schema, table, org_table, name, org_name
		s, n, ok := LenencBytes(p[pos:])
		if !ok {
			return c, errors.New("malformed column definition")
		}
		if i == 4 {
			c.Name = string(s)
		}
		pos += n
	}
	_, n, ok := lenencInt(p[pos:]) // length of the fixed fields, 0x0c
	pos += n
	if !ok || len(p) < pos+10 {
		return c, errors.New("malformed column definition")
	}
	// character set (2), column length (4), type (1), flags (2), decimals (1)
	c.Type = p[pos+6]
	c.Flags = binary.LittleEndian.Uint16(p[pos+7 : pos+9])
	c.Decimals = p[pos+9]
	return c, nil
}

// readColumns reads n column definitions and, without DEPRECATE_EOF, the
// EOF packet after them.
func (s *Session) readColumns(n int) ([]Column, error) {
	cols := make([]Column, n)
	for i := range cols {
		p, err := s.readPacket()
		if err != nil {
			return nil, err
		}
		if len(p) > 0 && p[0] == 0xff {
			return nil, serverError(p)
		}
		if cols[i], err = parseColumn(p); err != nil {
			return nil, err
		}
	}
	if n > 0 {
		if err := s.skipEOF(); err != nil {
			return nil, err
		}
	}
	return cols, nil
}

// skipEOF reads the EOF packet that ends column definitions (sent even
// when cached metadata is not resent) unless DEPRECATE_EOF was agreed.
func (s *Session) skipEOF() error {
	if s.deprecateEOF {
		return nil
	}
	p, err := s.readPacket()
	if err != nil {
		return err
	}
	if len(p) == 0 || p[0] != 0xfe || len(p) >= 9 {
		return errors.New("expected an EOF packet after the column definitions")
	}
	return nil
}
