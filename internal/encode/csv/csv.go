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
	"io"
	"strings"
)

// Write renders the header and the rows, every cell through Cell.
func Write(header []string, rows [][]string) ([]byte, error) {
	var b bytes.Buffer
	w, err := NewWriter(&b, header)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if err := w.Row(r); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Writer writes the rows one at a time, as Write does, for a file too
// large to hold its rows and its bytes at once.
type Writer struct {
	w     *csv.Writer
	cells []string
}

// NewWriter writes the header to out and returns the writer of the rows.
func NewWriter(out io.Writer, header []string) (*Writer, error) {
	w := &Writer{w: csv.NewWriter(out)}
	if err := w.w.Write(header); err != nil {
		return nil, err
	}
	return w, nil
}

// Row writes one row, every cell through Cell.
func (w *Writer) Row(r []string) error {
	w.cells = w.cells[:0]
	for _, c := range r {
		w.cells = append(w.cells, Cell(c))
	}
	return w.w.Write(w.cells)
}

// Close writes what is buffered and reports the first error.
func (w *Writer) Close() error {
	w.w.Flush()
	return w.w.Error()
}

// Cell neutralises a cell a spreadsheet would read as a formula.
func Cell(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}
