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

// TerminalSafe escapes every character a terminal would act on (control
// and bidirectional formatting characters, invalid UTF-8, line breaks),
// as the diagnostics do: for other text output built from the user's
// names and values.
func TerminalSafe(s string) string { return terminalSafe(s, false) }
