package hcltopo

import (
	"fmt"
	"math/big"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
)

// eval evaluates one node and stores its value in the document.
func (l *loader) eval(n *node) diag.Diagnostics {
	r := nodeRange(n)
	l.at.Store(&r)
	l.refreshContext(n)
	switch n.kind {
	case "local":
		v, marks, ds, ok := l.expr(n.attr.Expr, nil)
		if !ok {
			// Reported already: what refers to it is unknown, and fails
			// silently (a nil value here crashed the next reference).
			v = cty.DynamicVal
			l.failedLocals[n.attr.Name] = true
		}
		// A local is not written anywhere: it keeps what is sensitive in
		// it marked, for the expressions that use it.
		l.local[n.attr.Name] = v.MarkWithPaths(marks)
		l.ctx.Variables["local"] = cty.ObjectVal(l.local)
		return ds
	case "attr":
		p := canon.Path{n.attr.Name}
		v, marks, ds, ok := l.expr(n.attr.Expr, p)
		if ok {
			ok = l.sensitive(p, marks, n.attr.Expr, &ds)
		}
		if !ok {
			l.doc.Failed[p.Key()] = true
		} else {
			l.setValue(p, v, n.attr.SrcRange, n.attr.Expr)
		}
		return ds
	}
	spec := blocks[n.kind]
	ds := l.block(n.block, spec, canon.Path{}, l.doc.Value)
	// Expose the block for references: its canonical value, with the
	// label readable as its own field (pool.pool01.name). Objects are
	// built only when a later node refers to this kind of block.
	base := canon.Lookup(l.doc.Value, specPath(spec, n.block.Labels))
	if len(spec.labels) == 0 {
		if base != nil {
			l.ctx.Variables[n.kind] = l.toCtyAt(base, specPath(spec, nil)) // singleton: mobility.enabled
		}
		return ds
	}
	if base == nil {
		return ds
	}
	m := l.objs[n.kind]
	if m == nil {
		m = map[string]any{}
		l.objs[n.kind] = m
	}
	if n.kind == "dns_zone" {
		// dns_zone.<view>["<zone>"]
		inner, _ := m[n.block.Labels[0]].(map[string]any)
		if inner == nil {
			inner = map[string]any{}
			m[n.block.Labels[0]] = inner
		}
		inner[n.block.Labels[1]] = base
	} else {
		obj := map[string]any{}
		if bm, ok := base.(map[string]any); ok {
			for k, v := range bm {
				obj[k] = v
			}
		}
		obj[spec.labels[0]] = n.block.Labels[0]
		m[n.block.Labels[0]] = obj
	}
	l.dirty[n.kind] = true
	return ds
}

// refreshContext rebuilds the reference objects of the kinds node n
// refers to, if blocks of that kind were evaluated since.
func (l *loader) refreshContext(n *node) {
	for kind := range n.refs {
		if l.dirty[kind] {
			// objs nests by label as the canonical value does.
			l.ctx.Variables[kind] = l.toCtyAt(l.objs[kind], specPath(blocks[kind], nil))
			delete(l.dirty, kind)
		}
	}
}

func specPath(spec *blockSpec, labels []string) canon.Path {
	p := canon.Path{}
	for _, s := range spec.path {
		p = append(p, s)
	}
	for _, lab := range labels {
		p = append(p, lab)
	}
	return p
}

// block evaluates a block into parent (the map at path base).
func (l *loader) block(b *hclsyntax.Block, spec *blockSpec, base canon.Path, parent map[string]any) diag.Diagnostics {
	var ds diag.Diagnostics
	// Walk down to the container for this block.
	container := parent
	p := base
	for i, s := range spec.path {
		p = p.Append(s)
		last := i == len(spec.path)-1 && len(b.Labels) == 0
		if last && spec.list {
			break
		}
		if last {
			if _, exists := container[s]; exists {
				r := b.DefRange()
				return diag.Diagnostics{{Severity: diag.Error, Rule: RuleDuplicate, Summary: "Duplicate block", Detail: fmt.Sprintf("Only one %s block is allowed here.", b.Type), Range: convRange(&r)}}
			}
		}
		next, ok := container[s].(map[string]any)
		if !ok {
			next = map[string]any{}
			container[s] = next
		}
		if !(last) {
			container = next
		}
	}
	var body map[string]any
	switch {
	case spec.list:
		list, _ := container[spec.path[len(spec.path)-1]].([]any)
		body = map[string]any{}
		p = p.Append(len(list))
		container[spec.path[len(spec.path)-1]] = append(list, body)
	case len(b.Labels) == 0:
		body = container[spec.path[len(spec.path)-1]].(map[string]any)
	default:
		for i, lab := range b.Labels {
			p = p.Append(lab)
			last := i == len(b.Labels)-1
			if last && spec.multi {
				list, _ := container[lab].([]any)
				body = map[string]any{}
				p = p.Append(len(list))
				container[lab] = append(list, body)
				if len(list) == 0 {
					l.doc.SetRange(p[:len(p)-1], rng(b.DefRange()))
				}
				break
			}
			if last {
				if _, exists := container[lab]; exists {
					r := b.DefRange()
					prev, _ := l.doc.RangeOf(p)
					return diag.Diagnostics{{Severity: diag.Error, Rule: RuleDuplicate, Summary: "Duplicate declaration", Detail: fmt.Sprintf("%s %q is already declared at %s.", b.Type, lab, prev.String()), Range: convRange(&r)}}
				}
				body = map[string]any{}
				container[lab] = body
				break
			}
			next, ok := container[lab].(map[string]any)
			if !ok {
				next = map[string]any{}
				container[lab] = next
				// A leading label (a zone's view) is a key of its own: a
				// diagnostic about it (an unknown view) points at the label.
				if i < len(b.LabelRanges) {
					l.doc.SetRange(p, rng(b.LabelRanges[i]))
				}
			}
			container = next
		}
	}
	l.doc.SetRange(p, rng(b.DefRange()))
	for _, a := range sortedAttrs(b.Body.Attributes) {
		ap := p.Append(a.Name)
		v, marks, vd, ok := l.expr(a.Expr, ap)
		if ok {
			ok = l.sensitive(ap, marks, a.Expr, &vd)
		}
		ds = append(ds, vd...)
		if !ok {
			l.doc.Failed[ap.Key()] = true
			continue
		}
		if v.IsNull() {
			continue
		}
		body[a.Name] = toAny(v)
		l.setRanges(ap, a.SrcRange, a.Expr)
	}
	for _, c := range b.Body.Blocks {
		cs, ok := spec.children[c.Type]
		if !ok {
			known := []string{}
			for k := range spec.children {
				known = append(known, k)
			}
			if len(known) == 0 {
				r := c.TypeRange
				ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: RuleStructure, Summary: fmt.Sprintf("Unexpected %s block", c.Type), Detail: fmt.Sprintf("A %s block has no nested blocks; set attributes instead.", b.Type), Range: convRange(&r)})
				continue
			}
			ds = append(ds, unknownName("block type", c.Type, known, c.TypeRange))
			continue
		}
		if d := checkLabels(c, cs); d != nil {
			ds = append(ds, *d)
			continue
		}
		if _, clash := body[cs.path[0]]; clash && !cs.list && len(c.Labels) == 0 {
			r := c.DefRange()
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: RuleDuplicate, Summary: "Duplicate block", Detail: fmt.Sprintf("%s is set both as an attribute and as a block, or the block is repeated.", c.Type), Range: convRange(&r)})
			continue
		}
		ds = append(ds, l.block(c, cs, p, body)...)
	}
	return ds
}

// expr evaluates an expression; p, when set, is used only for messages.
// ok is false when the expression has no value (the diagnostics say why,
// unless it depends on a local that failed, which said so already). The
// value is unmarked; marks says where in it sensitive values are.
func (l *loader) expr(e hclsyntax.Expression, p canon.Path) (cty.Value, []cty.PathValueMarks, diag.Diagnostics, bool) {
	v, hd := e.Value(l.ctx)
	ds := fromHCL(hd, RuleReference)
	if hd.HasErrors() {
		return cty.NilVal, nil, ds, false
	}
	v, marks := v.UnmarkDeepWithPaths()
	if !v.IsWhollyKnown() {
		for _, t := range e.Variables() {
			if name, ok := stepName(t, 1); ok && t.RootName() == "local" && l.failedLocals[name] {
				return cty.NilVal, nil, ds, false // the local's failure is reported
			}
		}
		r := e.Range()
		return cty.NilVal, nil, append(ds, diag.Diagnostic{Severity: diag.Error, Rule: RuleReference, Summary: "Value is not known", Detail: "This expression depends on a value that is not known while reading the topology.", Range: convRange(&r)}), false
	}
	if deeper(v, canon.MaxDepth()) {
		// Each local may wrap the one before (a1 = [local.a0], ...):
		// converting and walking such a value recurses once per level.
		return cty.NilVal, nil, append(ds, canon.TooDeepValue(rng(e.Range()), nil)), false
	}
	var sens []cty.PathValueMarks
	for _, m := range marks {
		if _, ok := m.Marks[sensitiveMark{}]; ok {
			sens = append(sens, cty.PathValueMarks{Path: m.Path, Marks: cty.NewValueMarks(sensitiveMark{})})
		}
	}
	return v, sens, ds, true
}

// sensitive records where in the value of p (written by e) sensitive
// values landed. Only a secret field may hold one (a user's
// lab_password): every other field reaches the artifacts, the plan, a
// digest or a diagnostic, so a sensitive value there is an error, at e.
func (l *loader) sensitive(p canon.Path, marks []cty.PathValueMarks, e hclsyntax.Expression, ds *diag.Diagnostics) bool {
	ok := true
	for _, m := range marks {
		at := p.Append(ctyPath(m.Path)...)
		l.doc.MarkSensitive(at)
		if !canon.SecretField(at) && ok {
			ok = false
			r := e.Range()
			*ds = append(*ds, diag.Diagnostic{Severity: diag.Error, Rule: RuleStructure, Summary: "Sensitive value outside a secret field",
				Detail: fmt.Sprintf("%s gets its value from a variable declared sensitive. A user's lab_password is the only field that may hold one: "+
					"every other field reaches the artifacts, the plan, their digests or diagnostics.", at.Describe()),
				Hint:  "Use the variable for lab_password only, or declare it without sensitive = true if its value is not secret.",
				Range: convRange(&r)})
		}
	}
	return ok
}

// ctyPath is a cty path (within a value) as canonical path steps.
func ctyPath(p cty.Path) canon.Path {
	out := canon.Path{}
	for _, s := range p {
		switch x := s.(type) {
		case cty.GetAttrStep:
			out = append(out, x.Name)
		case cty.IndexStep:
			if x.Key.Type() == cty.String {
				out = append(out, x.Key.AsString())
			} else if x.Key.Type() == cty.Number {
				i, _ := x.Key.AsBigFloat().Int64()
				out = append(out, int(i))
			}
		}
	}
	return out
}

// deeper reports whether v nests more than limit levels.
func deeper(v cty.Value, limit int) bool {
	if limit < 0 {
		return true
	}
	if v.IsNull() || !v.IsKnown() || !v.CanIterateElements() {
		return false
	}
	for it := v.ElementIterator(); it.Next(); {
		if _, e := it.Element(); deeper(e, limit-1) {
			return true
		}
	}
	return false
}

func (l *loader) setValue(p canon.Path, v cty.Value, whole hcl.Range, e hclsyntax.Expression) {
	if v.IsNull() {
		return
	}
	l.doc.Value[p[0].(string)] = toAny(v)
	l.setRanges(p, whole, e)
}

// setRanges records the attribute's range, and the ranges of the elements
// of literal lists and objects so that rules can point inside them.
func (l *loader) setRanges(p canon.Path, whole hcl.Range, e hclsyntax.Expression) {
	l.doc.SetRange(p, rng(whole))
	switch x := e.(type) {
	case *hclsyntax.TupleConsExpr:
		for i, el := range x.Exprs {
			l.setRanges(p.Append(i), el.Range(), el)
		}
	case *hclsyntax.ObjectConsExpr:
		for _, item := range x.Items {
			kv, diags := item.KeyExpr.Value(l.ctx)
			if diags.HasErrors() || kv.IsNull() || !kv.IsKnown() || kv.Type() != cty.String {
				continue
			}
			r := hcl.RangeBetween(item.KeyExpr.Range(), item.ValueExpr.Range())
			l.setRanges(p.Append(kv.AsString()), r, item.ValueExpr)
		}
	}
}

// toAny turns a known cty value into the canonical JSON shape.
func toAny(v cty.Value) any {
	if v.IsNull() {
		return nil
	}
	t := v.Type()
	switch {
	case t == cty.String:
		return v.AsString()
	case t == cty.Bool:
		return v.True()
	case t == cty.Number:
		bf := v.AsBigFloat()
		if bf.IsInt() {
			if i, acc := bf.Int64(); acc == big.Exact {
				return i
			}
		}
		f, _ := bf.Float64()
		return f
	case t.IsListType() || t.IsTupleType() || t.IsSetType():
		out := []any{}
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			out = append(out, toAny(ev))
		}
		return out
	case t.IsMapType() || t.IsObjectType():
		out := map[string]any{}
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			if ev.IsNull() {
				continue
			}
			out[k.AsString()] = toAny(ev)
		}
		return out
	}
	return nil
}

// toCtyAt is toCty for the canonical value at p, with the values at the
// sensitive paths marked again, so that a reference to one (a user's
// lab_password) carries its mark on.
func (l *loader) toCtyAt(v any, p canon.Path) cty.Value {
	if len(l.doc.Sensitive) == 0 {
		return toCty(v)
	}
	var conv func(v any, p canon.Path) cty.Value
	conv = func(v any, p canon.Path) cty.Value {
		var out cty.Value
		switch x := v.(type) {
		case []any:
			if len(x) == 0 {
				out = cty.EmptyTupleVal
				break
			}
			vs := make([]cty.Value, len(x))
			for i, e := range x {
				vs[i] = conv(e, p.Append(i))
			}
			out = cty.TupleVal(vs)
		case map[string]any:
			if len(x) == 0 {
				out = cty.EmptyObjectVal
				break
			}
			m := make(map[string]cty.Value, len(x))
			for k, e := range x {
				m[k] = conv(e, p.Append(k))
			}
			out = cty.ObjectVal(m)
		default:
			out = toCty(v)
		}
		if l.doc.Sensitive[p.Key()] {
			out = out.Mark(sensitiveMark{})
		}
		return out
	}
	return conv(v, p)
}

// toCty turns a canonical value back into cty, for references.
func toCty(v any) cty.Value {
	switch x := v.(type) {
	case string:
		return cty.StringVal(x)
	case bool:
		return cty.BoolVal(x)
	case int64:
		return cty.NumberIntVal(x)
	case float64:
		return cty.NumberFloatVal(x)
	case []any:
		if len(x) == 0 {
			return cty.EmptyTupleVal
		}
		vs := make([]cty.Value, len(x))
		for i, e := range x {
			vs[i] = toCty(e)
		}
		return cty.TupleVal(vs)
	case map[string]any:
		if len(x) == 0 {
			return cty.EmptyObjectVal
		}
		ks := make([]string, 0, len(x))
		for k := range x {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		m := make(map[string]cty.Value, len(x))
		for _, k := range ks {
			m[k] = toCty(x[k])
		}
		return cty.ObjectVal(m)
	}
	return cty.NullVal(cty.DynamicPseudoType)
}
