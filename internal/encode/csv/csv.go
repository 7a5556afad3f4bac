// Package csv writes the CSV files mobplan generates (firewall/rules.csv,
// certs/public-ca-orders.csv): a header line, then one line per row;
// fields quoted as RFC 4180 asks (a field with a comma, a quote, a line
// break or a leading space is quoted, quotes doubled), lines ending in LF.
//
// Spreadsheets read a cell that starts with '=', '+', '-' or '@' (and,
// in some, a tab or a carriage return before one) as a formula, which
// can compute, link and on some systems run commands. Such a cell is
// written with a leading "'" (OWASP's advice for CSV injection): a
// spreadsheet shows the text as it is and hides the quote, and a
// program reading the CSV sees the quote and can strip it.
package csv

import (
	"bytes"
	stdcsv "encoding/csv"
	"fmt"
	"strings"
)

// Encode renders the header and the rows; every row has the header's
// number of cells.
func Encode(header []string, rows [][]string) ([]byte, error) {
	var b bytes.Buffer
	w := stdcsv.NewWriter(&b)
	if err := w.Write(header); err != nil {
		return nil, err
	}
	for i, r := range rows {
		if len(r) != len(header) {
			return nil, fmt.Errorf("csv row %d has %d cells, the header %d", i+1, len(r), len(header))
		}
		cells := make([]string, len(r))
		for j, c := range r {
			cells[j] = Cell(c)
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
