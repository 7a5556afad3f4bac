package sfb

import (
	"fmt"
	"slices"
	"strings"
)

// CheckCalls holds a script to the table: every command it calls is in
// Cmdlets (or defined by the script, with the parameters of its own
// param() block), for the plan's product, and every parameter named on
// it is one of the command's, with the table's spelling, for the product.
// It returns what is wrong, one line each (name prefixes them).
func CheckCalls(name, product, s string) []string {
	var errs []string
	cs, defined, err := calls(s)
	if err != nil {
		return []string{name + ": " + err.Error()}
	}
	for def, params := range defined {
		c, ok := Lookup(def)
		if !ok || c.Source != "defined in the script" {
			errs = append(errs, fmt.Sprintf("%s: the script defines %s, which the table does not list as its own", name, def))
			continue
		}
		var want []string
		for _, p := range c.Params {
			want = append(want, p.Name)
		}
		if !slices.Equal(params, want) {
			errs = append(errs, fmt.Sprintf("%s: %s takes %v, the table says %v", name, def, params, want))
		}
	}
	for _, call := range cs {
		c, ok := Lookup(call.Name)
		if !ok {
			errs = append(errs, fmt.Sprintf("%s line %d: %s is not in the table (cmdlets.go)", name, call.Line, call.Name))
			continue
		}
		if c.Name != call.Name {
			errs = append(errs, fmt.Sprintf("%s line %d: %s is spelled %s in the reference", name, call.Line, call.Name, c.Name))
		}
		if len(c.Products) > 0 && !slices.Contains(c.Products, product) {
			errs = append(errs, fmt.Sprintf("%s line %d: %s is for %v, not %s", name, call.Line, call.Name, c.Products, product))
		}
		if c.Source == "defined in the script" {
			if _, ok := defined[c.Name]; !ok {
				errs = append(errs, fmt.Sprintf("%s line %d: %s is called but not defined", name, call.Line, call.Name))
			}
		}
	params:
		for i, p := range call.Params {
			for _, tp := range append(append([]Param(nil), c.Params...), CommonParameters.Params...) {
				if !strings.EqualFold(tp.Name, p) {
					continue
				}
				if tp.Name != p {
					errs = append(errs, fmt.Sprintf("%s line %d: %s -%s is spelled -%s in the reference", name, call.Line, call.Name, p, tp.Name))
				}
				owner := c.Name
				if !slices.ContainsFunc(c.Params, func(x Param) bool { return x.Name == tp.Name }) {
					owner = CommonParameters.Name
				}
				if ty := TypeOf(owner, tp.Name); !valueFits(ty, call.Values[i], call.Colon[i]) {
					errs = append(errs, fmt.Sprintf("%s line %d: %s -%s is %s, which %q does not fit", name, call.Line, call.Name, p, ty, call.Values[i]))
				}
				if len(tp.Products) > 0 && !slices.Contains(tp.Products, product) {
					errs = append(errs, fmt.Sprintf("%s line %d: %s -%s is for %v, not %s", name, call.Line, call.Name, p, tp.Products, product))
				}
				continue params
			}
			errs = append(errs, fmt.Sprintf("%s line %d: %s has no parameter -%s in the table (cmdlets.go)", name, call.Line, call.Name, p))
		}
	}
	return errs
}

// CheckGuarded: every call that changes something or runs a test is in
// the body of if ($PSCmdlet.ShouldProcess(...)), so -WhatIf shows it and
// runs none; the script's own changing functions are advanced functions
// with SupportsShouldProcess, so -WhatIf reaches their guards.
func CheckGuarded(name, s string) []string {
	var errs []string
	cs, defined, err := calls(s)
	if err != nil {
		return []string{name + ": " + err.Error()}
	}
	for _, call := range cs {
		verb, _, _ := strings.Cut(call.Name, "-")
		if slices.Contains(readOnly, verb) || call.Name == "Set-StrictMode" {
			continue
		}
		if slices.Contains(Helpers, call.Name) {
			if _, ok := defined[call.Name]; !ok {
				errs = append(errs, fmt.Sprintf("%s line %d: %s is not defined", name, call.Line, call.Name))
			}
			continue
		}
		if !call.Guarded {
			errs = append(errs, fmt.Sprintf("%s line %d: %s runs without ShouldProcess", name, call.Line, call.Name))
		}
	}
	for _, h := range Helpers {
		if !strings.Contains(s, "function "+h+" {\n    [CmdletBinding(SupportsShouldProcess = $true)]\n") {
			errs = append(errs, fmt.Sprintf("%s: %s is not an advanced function with SupportsShouldProcess", name, h))
		}
	}
	return errs
}
