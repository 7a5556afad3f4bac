package hcltopo

import (
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	cidr "github.com/apparentlymart/go-cidr/cidr"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/mobplan/mobplan/internal/canon"
)

// Functions is the pure function set of the topology language: go-cty's
// standard library and CIDR helpers. Nothing reads the clock, the network
// or files, so the same topology always yields the same value. Every
// function is bounded (see bounded): no call returns more than
// MaxElements elements or MaxResultBytes of text.
func Functions(root string) map[string]function.Function {
	fs := functions()
	for name, f := range fs {
		fs[name] = bounded(name, f)
	}
	return fs
}

func functions() map[string]function.Function {
	return map[string]function.Function{
		"abs": stdlib.AbsoluteFunc, "ceil": stdlib.CeilFunc, "floor": stdlib.FloorFunc,
		"max": stdlib.MaxFunc, "min": stdlib.MinFunc, "parseint": stdlib.ParseIntFunc,
		"chomp": stdlib.ChompFunc, "format": stdlib.FormatFunc, "formatlist": stdlib.FormatListFunc,
		"indent": stdlib.IndentFunc, "join": stdlib.JoinFunc, "lower": stdlib.LowerFunc,
		"upper": stdlib.UpperFunc, "regex": stdlib.RegexFunc, "regexall": stdlib.RegexAllFunc,
		"replace": stdlib.ReplaceFunc, "split": stdlib.SplitFunc, "strrev": stdlib.ReverseFunc,
		"substr": stdlib.SubstrFunc, "title": stdlib.TitleFunc, "trim": stdlib.TrimFunc,
		"trimprefix": stdlib.TrimPrefixFunc, "trimsuffix": stdlib.TrimSuffixFunc, "trimspace": stdlib.TrimSpaceFunc,
		"chunklist": stdlib.ChunklistFunc, "coalesce": stdlib.CoalesceFunc, "coalescelist": stdlib.CoalesceListFunc,
		"compact": stdlib.CompactFunc, "concat": stdlib.ConcatFunc, "contains": stdlib.ContainsFunc,
		"distinct": stdlib.DistinctFunc, "element": stdlib.ElementFunc, "flatten": stdlib.FlattenFunc,
		"index": stdlib.IndexFunc, "keys": stdlib.KeysFunc, "length": stdlib.LengthFunc,
		"lookup": stdlib.LookupFunc, "merge": stdlib.MergeFunc, "range": boundedRangeFunc,
		"reverse": stdlib.ReverseListFunc, "setintersection": stdlib.SetIntersectionFunc,
		"setproduct": stdlib.SetProductFunc, "setsubtract": stdlib.SetSubtractFunc, "setunion": stdlib.SetUnionFunc,
		"slice": stdlib.SliceFunc, "sort": stdlib.SortFunc, "values": stdlib.ValuesFunc, "zipmap": stdlib.ZipmapFunc,
		"jsonencode": stdlib.JSONEncodeFunc, "jsondecode": stdlib.JSONDecodeFunc,
		"csvdecode": stdlib.CSVDecodeFunc, "tostring": stdlib.MakeToFunc(cty.String),
		"tonumber": stdlib.MakeToFunc(cty.Number), "tobool": stdlib.MakeToFunc(cty.Bool),
		"tolist": stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)), "toset": stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"tomap":    stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
		"cidrhost": cidrHostFunc, "cidrnetmask": cidrNetmaskFunc, "cidrsubnet": cidrSubnetFunc,
		"cidrcontains": cidrContainsFunc,
	}
}

// MaxElements bounds the elements a function may return, counted through
// every level of the result (a list of 10 lists of 10 is 110), and each
// of range's and setproduct's arguments, checked before the call:
// setproduct(range(100), range(100), range(100), range(100)) built 10^8
// tuples, 24 GB, before this. The largest topology benchmarked has
// 40,000 users, and a topology's lists are of its pools, names and
// addresses; 100,000 is more than any needs, and small enough that a
// result of that size costs megabytes.
const DefaultMaxElements = 100_000

// maxElements is the bound in force: DefaultMaxElements unless
// SetMaxElements changed it (the CLI does, from MOBPLAN_MAX_ELEMENTS).
var maxElements atomic.Int64

func init() { maxElements.Store(DefaultMaxElements) }

// MaxElements is the element bound in force.
func MaxElements() int { return int(maxElements.Load()) }

// ElementsCeiling is the most SetMaxElements accepts.
const ElementsCeiling = 100_000_000

// SetMaxElements sets the element bound; 0 restores the default.
func SetMaxElements(n int) error {
	if n == 0 {
		n = DefaultMaxElements
	}
	if n < 1 || n > ElementsCeiling {
		return fmt.Errorf("element bound %d is outside 1..%d", n, ElementsCeiling)
	}
	maxElements.Store(int64(n))
	return nil
}

// MaxResultBytes bounds the text a function may return (all of a
// result's strings together), checked before the call where the size is
// known beforehand (join, replace, indent, format widths): a topology
// file holds at most canon.MaxFileSize bytes, and no function needs to
// make more text than that.
const MaxResultBytes = canon.MaxFileSize

var boundedRangeFunc = function.New(&function.Spec{
	Description: "A list of numbers from start to limit by step (at most 100000 elements).",
	VarParam:    &function.Parameter{Name: "params", Type: cty.Number},
	Type:        function.StaticReturnType(cty.List(cty.Number)),
	Impl: func(args []cty.Value, rt cty.Type) (cty.Value, error) {
		start, limit, step := 0.0, 0.0, 1.0
		f := func(v cty.Value) float64 { x, _ := v.AsBigFloat().Float64(); return x }
		switch len(args) {
		case 1:
			limit = f(args[0])
		case 2:
			start, limit = f(args[0]), f(args[1])
		case 3:
			start, limit, step = f(args[0]), f(args[1]), f(args[2])
		}
		if step != 0 {
			if n := (limit - start) / step; n > float64(MaxElements()) {
				return cty.UnknownVal(rt), fmt.Errorf("range would have %.0f elements; at most %d are allowed", n, MaxElements())
			}
		}
		return stdlib.RangeFunc.Call(args)
	},
})

var cidrHostFunc = function.New(&function.Spec{
	Description: "The IP address of host number hostnum within prefix.",
	Params:      []function.Parameter{{Name: "prefix", Type: cty.String}, {Name: "hostnum", Type: cty.Number}},
	Type:        function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		_, network, err := net.ParseCIDR(args[0].AsString())
		if err != nil {
			return cty.UnknownVal(cty.String), fmt.Errorf("invalid CIDR %q: %w", args[0].AsString(), err)
		}
		n, _ := args[1].AsBigFloat().Int(nil)
		ip, err := cidr.HostBig(network, n)
		if err != nil {
			return cty.UnknownVal(cty.String), err
		}
		return cty.StringVal(ip.String()), nil
	},
})

var cidrNetmaskFunc = function.New(&function.Spec{
	Description: "The netmask of an IPv4 prefix in dotted-decimal form.",
	Params:      []function.Parameter{{Name: "prefix", Type: cty.String}},
	Type:        function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		_, network, err := net.ParseCIDR(args[0].AsString())
		if err != nil {
			return cty.UnknownVal(cty.String), fmt.Errorf("invalid CIDR %q: %w", args[0].AsString(), err)
		}
		if network.IP.To4() == nil {
			return cty.UnknownVal(cty.String), fmt.Errorf("%q is not an IPv4 prefix", args[0].AsString())
		}
		return cty.StringVal(net.IP(network.Mask).String()), nil
	},
})

var cidrSubnetFunc = function.New(&function.Spec{
	Description: "Subnet number netnum of prefix, newbits longer.",
	Params:      []function.Parameter{{Name: "prefix", Type: cty.String}, {Name: "newbits", Type: cty.Number}, {Name: "netnum", Type: cty.Number}},
	Type:        function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		_, network, err := net.ParseCIDR(args[0].AsString())
		if err != nil {
			return cty.UnknownVal(cty.String), fmt.Errorf("invalid CIDR %q: %w", args[0].AsString(), err)
		}
		bits, acc := args[1].AsBigFloat().Int64()
		if acc != 0 || bits < 0 || bits > 128 {
			return cty.UnknownVal(cty.String), fmt.Errorf("newbits must be a whole number from 0 to 128")
		}
		num, _ := args[2].AsBigFloat().Int(nil)
		sub, err := cidr.SubnetBig(network, int(bits), num)
		if err != nil {
			return cty.UnknownVal(cty.String), err
		}
		return cty.StringVal(sub.String()), nil
	},
})

var cidrContainsFunc = function.New(&function.Spec{
	Description: "Whether prefix contains the address or prefix addr.",
	Params:      []function.Parameter{{Name: "prefix", Type: cty.String}, {Name: "addr", Type: cty.String}},
	Type:        function.StaticReturnType(cty.Bool),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		_, network, err := net.ParseCIDR(args[0].AsString())
		if err != nil {
			return cty.UnknownVal(cty.Bool), fmt.Errorf("invalid CIDR %q: %w", args[0].AsString(), err)
		}
		a := args[1].AsString()
		if ip := net.ParseIP(a); ip != nil {
			return cty.BoolVal(network.Contains(ip)), nil
		}
		_, sub, err := net.ParseCIDR(a)
		if err != nil {
			return cty.UnknownVal(cty.Bool), fmt.Errorf("%q is neither an address nor a prefix", a)
		}
		first, last := cidr.AddressRange(sub)
		return cty.BoolVal(network.Contains(first) && network.Contains(last)), nil
	},
})

// bounded wraps f so that a call whose result would be too large fails,
// with the call's position, instead of exhausting the machine: the
// result's size is checked before the call where the arguments tell it
// (predict), and every result after the call (measure), so a function
// that multiplies its input (concat of a list with itself, over and
// over) stops at the limit.
func bounded(name string, f function.Function) function.Function {
	return function.New(&function.Spec{
		Description: f.Description(),
		Params:      f.Params(),
		VarParam:    f.VarParam(),
		Type:        f.ReturnTypeForValues,
		Impl: func(args []cty.Value, rt cty.Type) (cty.Value, error) {
			if err := predict(name, args); err != nil {
				return cty.UnknownVal(rt), err
			}
			v, err := f.Call(args)
			if err != nil {
				return v, err
			}
			if err := measure(v); err != nil {
				return cty.UnknownVal(rt), err
			}
			return v, nil
		},
	})
}

func tooMany(n float64) error {
	return fmt.Errorf("the result would have %.0f elements; a function may return at most %d", n, MaxElements())
}

func tooLong(n float64) error {
	return fmt.Errorf("the result would be %.0f bytes long; a function may return at most %d MiB of text", n, MaxResultBytes>>20)
}

// length is the number of elements of a known collection, or 0.
func length(v cty.Value) float64 {
	v, _ = v.UnmarkDeep()
	if !v.IsKnown() || v.IsNull() || !v.CanIterateElements() {
		return 0
	}
	return float64(v.LengthInt())
}

func knownString(v cty.Value) (string, bool) {
	v, _ = v.UnmarkDeep()
	if !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}

// predict refuses a call whose result the arguments show too large, before
// the function builds it.
func predict(name string, args []cty.Value) error {
	switch name {
	case "setproduct":
		n := 1.0
		for _, a := range args {
			if l := length(a); l > float64(MaxElements()) {
				return fmt.Errorf("an argument has %.0f elements; at most %d are allowed", l, MaxElements())
			}
			if n *= length(a); n > float64(MaxElements()) {
				return tooMany(n)
			}
		}
		if n*float64(len(args)+1) > float64(MaxElements()) { // each product is a tuple of len(args)
			return tooMany(n * float64(len(args)+1))
		}
	case "concat", "setunion", "merge", "flatten", "zipmap", "formatlist":
		n := 0.0
		for _, a := range args {
			n += length(a)
		}
		if n > float64(MaxElements()) {
			return tooMany(n)
		}
	case "join":
		// join(separator, lists...)
		sep, _ := knownString(args[0])
		n := 0.0
		for _, l := range args[1:] {
			l, _ = l.UnmarkDeep()
			if !l.IsKnown() || l.IsNull() || !l.CanIterateElements() {
				continue
			}
			for it := l.ElementIterator(); it.Next(); {
				_, e := it.Element()
				s, _ := knownString(e)
				n += float64(len(s) + len(sep))
			}
		}
		if n > MaxResultBytes {
			return tooLong(n)
		}
	case "replace":
		s, ok1 := knownString(args[0])
		old, ok2 := knownString(args[1])
		repl, ok3 := knownString(args[2])
		if ok1 && ok2 && ok3 {
			count := utf8.RuneCountInString(s) + 1
			if old != "" {
				count = strings.Count(s, old)
			}
			if n := float64(len(s)) + float64(count)*float64(len(repl)); n > MaxResultBytes {
				return tooLong(n)
			}
		}
	case "indent":
		// indent(spaces, string)
		s, ok := knownString(args[1])
		sp, _ := args[0].UnmarkDeep()
		if ok && sp.IsKnown() && !sp.IsNull() {
			spaces, _ := sp.AsBigFloat().Float64()
			if n := float64(len(s)) + spaces*float64(strings.Count(s, "\n")+1); n > MaxResultBytes {
				return tooLong(n)
			}
		}
	case "format":
		if f, ok := knownString(args[0]); ok {
			return formatWidths(f)
		}
	}
	if name == "formatlist" {
		if f, ok := knownString(args[0]); ok {
			return formatWidths(f)
		}
	}
	return nil
}

// formatWidths refuses a format string whose width or precision alone
// asks for more than MaxResultBytes ("%999999999999d").
func formatWidths(f string) error {
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		for i++; i < len(f) && strings.IndexByte("+-# 0", f[i]) >= 0; i++ {
		}
		for i < len(f) {
			n := 0.0
			for ; i < len(f) && f[i] >= '0' && f[i] <= '9'; i++ {
				n = n*10 + float64(f[i]-'0')
			}
			if n > MaxResultBytes {
				return fmt.Errorf("the format asks for a width of %.0f characters; a function may return at most %d MiB of text", n, MaxResultBytes>>20)
			}
			if i < len(f) && f[i] == '.' {
				i++
				continue
			}
			break
		}
	}
	return nil
}

// measure refuses a result of more than MaxElements elements, more than
// MaxResultBytes of text, or nested more than canon.MaxDepth deep.
func measure(v cty.Value) error {
	v, _ = v.UnmarkDeep()
	elems, bytes := 0, 0
	var walk func(v cty.Value, depth int) error
	walk = func(v cty.Value, depth int) error {
		if !v.IsKnown() || v.IsNull() {
			return nil
		}
		if depth > canon.MaxDepth() {
			return fmt.Errorf("the result nests more than %d levels deep", canon.MaxDepth())
		}
		t := v.Type()
		switch {
		case t == cty.String:
			if bytes += len(v.AsString()); bytes > MaxResultBytes {
				return tooLong(float64(bytes))
			}
		case v.CanIterateElements():
			if elems += v.LengthInt(); elems > MaxElements() {
				return fmt.Errorf("the result has more than %d elements; a function may return at most %d", MaxElements(), MaxElements())
			}
			for it := v.ElementIterator(); it.Next(); {
				_, e := it.Element()
				if err := walk(e, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(v, 0)
}
