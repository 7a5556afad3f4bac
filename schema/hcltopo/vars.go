package hcltopo

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
)

// EnvPrefix is the environment variable prefix for topology variables.
const EnvPrefix = "MOBPLAN_VAR_"

type variable struct {
	name  string
	typ   cty.Type
	def   cty.Value
	block *hclsyntax.Block
	// sensitive: its value is marked (sensitiveMark) wherever it flows,
	// may land only in a secret field, and is never shown or digested.
	sensitive bool
}

// sensitiveMark marks the values of variables declared sensitive, and
// what is computed from them.
type sensitiveMark struct{}

// resolveVars applies, from weakest to strongest: default, environment,
// var files (in order), --var flags (in order).
func (l *loader) resolveVars(bs []*hclsyntax.Block, ds diag.Diagnostics) (map[string]cty.Value, diag.Diagnostics) {
	decl := map[string]*variable{}
	for _, b := range bs {
		if len(b.Labels) != 1 {
			r := b.DefRange()
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: RuleStructure, Summary: "Wrong number of block labels", Detail: "A variable block takes one label: its name.", Range: convRange(&r)})
			continue
		}
		name := b.Labels[0]
		if prev, ok := decl[name]; ok {
			r := b.DefRange()
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: RuleDuplicate, Summary: "Duplicate variable", Detail: fmt.Sprintf("Variable %q is already declared at %s.", name, rng(prev.block.DefRange()).String()), Range: convRange(&r)})
			continue
		}
		v := &variable{name: name, typ: cty.DynamicPseudoType, def: cty.NilVal, block: b}
		for _, a := range sortedAttrs(b.Body.Attributes) {
			switch a.Name {
			case "type":
				t, hd := typeexpr.TypeConstraint(a.Expr)
				ds = append(ds, fromHCL(hd, RuleStructure)...)
				if !hd.HasErrors() {
					v.typ = t
				}
			case "default":
				dv, hd := a.Expr.Value(nil)
				ds = append(ds, fromHCL(hd, RuleReference)...)
				if !hd.HasErrors() {
					v.def = dv
				}
			case "sensitive":
				sv, hd := a.Expr.Value(nil)
				if hd.HasErrors() || !sv.IsKnown() || sv.IsNull() || sv.Type() != cty.Bool {
					ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: RuleStructure, Summary: "Invalid sensitive",
						Detail: "sensitive is true or false.", Range: convRange(a.Expr.Range().Ptr())})
					continue
				}
				v.sensitive = sv.True()
			case "description":
			default:
				ds = append(ds, unknownName("variable attribute", a.Name, []string{"type", "default", "description", "sensitive"}, a.NameRange))
			}
		}
		if len(b.Body.Blocks) > 0 {
			r := b.Body.Blocks[0].TypeRange
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: RuleStructure, Summary: "Blocks are not allowed in a variable", Range: convRange(&r)})
		}
		decl[name] = v
	}

	set := map[string]cty.Value{}
	setRaw := func(name, raw, origin string) {
		v, ok := decl[name]
		if !ok {
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: RuleReference, Summary: "Value for undeclared variable",
				Detail: fmt.Sprintf("%s sets %q, but the topology declares no variable of that name.", origin, name)})
			return
		}
		if v.sensitive {
			l.secrets = append(l.secrets, raw)
		}
		if v.typ == cty.String || v.typ == cty.DynamicPseudoType && !looksLikeExpr(raw) {
			set[name] = cty.StringVal(raw)
			return
		}
		if d := checkDepth(origin, []byte(raw), false); d != nil {
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: RuleStructure, Summary: "Invalid variable value",
				Detail: fmt.Sprintf("%s: the value of %q nests more than %d levels deep.", origin, name, canon.MaxNesting())})
			return
		}
		e, hd := hclsyntax.ParseExpression([]byte(raw), origin, hcl.InitialPos)
		if !hd.HasErrors() {
			var val cty.Value
			val, hd = e.Value(nil)
			if !hd.HasErrors() {
				set[name] = val
				return
			}
		}
		detail := fmt.Sprintf("%s: the value of %q is not a valid expression: %s", origin, name, hd.Error())
		if v.sensitive {
			// HCL's messages may quote the text: say only where.
			detail = fmt.Sprintf("%s: the value of %q (sensitive, so not shown) is not a valid expression.", origin, name)
		}
		ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: RuleStructure, Summary: "Invalid variable value", Detail: detail})
	}
	envs := append([]string(nil), l.opts.Env...)
	sort.Strings(envs)
	for _, kv := range envs {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, EnvPrefix) {
			name := strings.TrimPrefix(k, EnvPrefix)
			if _, declared := decl[name]; declared {
				setRaw(name, v, "environment variable "+k)
			}
		}
	}
	for _, f := range l.opts.VarFiles {
		src, err := canon.ReadNamedFile(f)
		if err != nil {
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: RuleSyntax, Summary: "Cannot read variables file", Detail: err.Error(), Range: &diag.Range{Filename: f}})
			continue
		}
		// A variables file may hold secrets: its source is not kept for
		// snippets, and its problems are told by position only.
		if d := checkDepth(f, src, true); d != nil {
			ds = append(ds, *d)
			continue
		}
		file, hd := hclsyntax.ParseConfig(src, f, hcl.InitialPos)
		ds = append(ds, varFileDiags(hd, RuleSyntax)...)
		if hd.HasErrors() {
			continue
		}
		attrs, hd := file.Body.JustAttributes()
		ds = append(ds, varFileDiags(hd, RuleStructure)...)
		names := make([]string, 0, len(attrs))
		for n := range attrs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			a := attrs[n]
			if _, ok := decl[n]; !ok {
				// Not named: the file may hold secrets, even where a name
				// should be (its position tells which line).
				ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: RuleReference, Summary: "Value for undeclared variable", Detail: "The variables file sets a variable the topology does not declare.", Range: convRange(&a.NameRange)})
				continue
			}
			var val cty.Value
			hd := gohcl.DecodeExpression(a.Expr, nil, &val)
			ds = append(ds, varFileDiags(hd, RuleReference)...)
			if !hd.HasErrors() {
				set[n] = val
			}
		}
	}
	for _, kv := range l.opts.Vars {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: RuleStructure, Summary: "Invalid --var", Detail: fmt.Sprintf("%q is not of the form name=value.", kv)})
			continue
		}
		setRaw(k, v, "--var")
	}

	out := map[string]cty.Value{}
	names := make([]string, 0, len(decl))
	for n := range decl {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := decl[n]
		val, ok := set[n]
		if !ok {
			val = v.def
		}
		r := v.block.DefRange()
		if val == cty.NilVal {
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: RuleReference, Summary: "No value for required variable",
				Detail: fmt.Sprintf("Variable %q has no default; set it with --var %s=..., --var-file or %s%s.", n, n, EnvPrefix, n), Range: convRange(&r)})
			continue
		}
		conv, err := convert.Convert(val, v.typ)
		if err != nil {
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: RuleStructure, Summary: "Invalid value for variable",
				Detail: fmt.Sprintf("Variable %q: %s.", n, err), Range: convRange(&r)})
			continue
		}
		if v.sensitive {
			l.secrets = append(l.secrets, stringsOf(conv)...)
			conv = conv.Mark(sensitiveMark{})
		}
		out[n] = conv
	}
	return out, ds
}

// varFileDiags are HCL's diagnostics about a variables file, told without
// quoting it: the file may hold secrets, and HCL's messages sometimes
// quote what they found ("Unexpected "Passw0rd" block").
func varFileDiags(hd hcl.Diagnostics, rule string) diag.Diagnostics {
	out := fromHCL(hd, rule)
	for i := range out {
		if strings.ContainsAny(out[i].Summary, "\"'`") {
			out[i].Summary = "Invalid variables file"
		}
		out[i].Detail = "The variables file is not valid here (" + out[i].Summary + "); its text is not shown, since a variables file may hold secrets."
	}
	return out
}

// stringsOf lists the strings in v.
func stringsOf(v cty.Value) []string {
	v, _ = v.UnmarkDeep()
	if !v.IsKnown() || v.IsNull() {
		return nil
	}
	switch {
	case v.Type() == cty.String:
		return []string{v.AsString()}
	case v.CanIterateElements():
		var out []string
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			if k.Type() == cty.String {
				out = append(out, k.AsString())
			}
			out = append(out, stringsOf(e)...)
		}
		return out
	}
	if v.Type() == cty.Number {
		return []string{v.AsBigFloat().Text('f', -1)}
	}
	return nil
}

func looksLikeExpr(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "[") || strings.HasPrefix(s, "{")
}
