package diag

// Colours for other text output on a terminal (a plan's symbols), the
// same escapes the diagnostics use.
const (
	ColorRed     = sgrBoldRed
	ColorYellow  = sgrBoldYellow
	ColorCyan    = sgrBoldCyan
	ColorGreen   = "\x1b[1;32m"
	ColorMagenta = "\x1b[1;35m"
)

// Paint wraps s in the colour when on; s is returned as it is otherwise.
func Paint(on bool, color, s string) string {
	if !on || s == "" {
		return s
	}
	return color + s + sgrReset
}
