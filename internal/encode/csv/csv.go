// Package csv writes the CSV files mobplan generates (the firewall rules,
// the change-ticket exports). Fields are quoted as RFC 4180 asks
// (encoding/csv: a field with a comma, a quote, a line break or a leading
// space is quoted, quotes doubled); lines end in LF; the first line is
// the column header, with no comment line before it (that would not be
// CSV).
//
// Spreadsheets read a cell that starts with '=', '+', '-' or '@' (and,
// in some, a tab or a carriage return before one) as a formula, which
// can compute, link and on some systems run commands. Such a cell is
// written with a leading "'" (OWASP's advice for CSV injection): a
// spreadsheet shows the text as it is and hides the quote, and a program
// reading the CSV sees the quote and can strip it.
package csv

import (
	"bytes"
	"encoding/csv"
	"strings"
)

// Write renders the header and the rows, every cell through Cell.
func Write(header []string, rows [][]string) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.Write(header); err != nil {
		return nil, err
	}
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = Cell(c)
		}
		if err := w.Write(cells); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// Cell neutralises a cell a spreadsheet would read as a formula.
func Cell(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}
