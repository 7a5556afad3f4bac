package encode

import (
	"bytes"
	"encoding/csv"
	"strings"
)

// CSV writes a header and rows as RFC 4180 CSV (encoding/csv: a field
// with a comma, a quote, a line break or a leading space is quoted,
// quotes doubled; lines end in LF), every cell through CSVCell. A row of
// another width than the header is written as it is: the caller builds
// rows from one struct.
func CSV(header []string, rows [][]string) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.Write(header); err != nil {
		return nil, err
	}
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = CSVCell(c)
		}
		if err := w.Write(cells); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// CSVCell neutralises a cell a spreadsheet would read as a formula
// ('=', '+', '-', '@', or a tab or carriage return before one) with a
// leading "'" (OWASP's advice for CSV injection): a spreadsheet shows the
// text as it is, and a program reading the CSV can strip the quote.
func CSVCell(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}
