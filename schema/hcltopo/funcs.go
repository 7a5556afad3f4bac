package hcltopo

import (
	"fmt"
	"net"

	cidr "github.com/apparentlymart/go-cidr/cidr"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// Functions is the pure function set of the topology language: go-cty's
// standard library and CIDR helpers. Nothing reads the clock, the network
// or files, so the same topology always yields the same value.
func Functions(root string) map[string]function.Function {
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

// maxRange bounds range(): a topology never needs more elements, and a
// typo such as range(1e9) must be an error, not an exhausted machine.
const maxRange = 100000

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
			if n := (limit - start) / step; n > maxRange {
				return cty.UnknownVal(rt), fmt.Errorf("range would have %.0f elements; at most %d are allowed", n, maxRange)
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
