package hcltopo

import "sort"

// blockSpec says how one HCL block type maps into the canonical value.
type blockSpec struct {
	// path is where the block's body goes, before its labels.
	path []string
	// labels names the block's labels; each becomes one more map key.
	labels []string
	// list: unlabelled blocks that may repeat become list elements.
	list bool
	// multi: blocks with the same labels become list elements under them.
	multi    bool
	children map[string]*blockSpec
}

// topLevelAttrs are the attributes allowed directly in a topology file.
var topLevelAttrs = map[string]bool{
	"version": true, "cu": true, "sip_domains": true, "ad_domain": true, "pstn_usages": true,
}

var single = func(path ...string) *blockSpec { return &blockSpec{path: path} }

// blocks is the topology language: every block type it knows.
var blocks = map[string]*blockSpec{
	"site": {path: []string{"sites"}, labels: []string{"name"}},
	"pool": {path: []string{"pools"}, labels: []string{"name"}, children: map[string]*blockSpec{
		"server":       {path: []string{"servers"}, labels: []string{"name"}},
		"web_internal": single("web_internal"),
		"web_external": single("web_external"),
		"ports":        single("ports"),
	}},
	"edge_pool": {path: []string{"edge_pools"}, labels: []string{"name"}, children: map[string]*blockSpec{
		"server": {path: []string{"servers"}, labels: []string{"name"}},
	}},
	"sba": {path: []string{"sbas"}, labels: []string{"name"}},
	"reverse_proxy": {path: []string{"reverse_proxies"}, labels: []string{"name"}, children: map[string]*blockSpec{
		"listener": {path: []string{"listeners"}, labels: []string{"name"}},
		"rule": {path: []string{"rules"}, labels: []string{"name"}, children: map[string]*blockSpec{
			"farm": single("farm"),
		}},
	}},
	"load_balancer": {path: []string{"load_balancers"}, labels: []string{"name"}, children: map[string]*blockSpec{
		"vip": {path: []string{"vips"}, labels: []string{"name"}, children: map[string]*blockSpec{
			"cookie": single("cookie"),
		}},
	}},
	"office_web_apps": single("office_web_apps"),
	"mobility": {path: []string{"mobility"}, children: map[string]*blockSpec{
		"clients": single("clients"),
		"push":    single("push"),
	}},
	"network": single("network"),
	"simple_urls": {path: []string{"simple_urls"}, children: map[string]*blockSpec{
		"meet":   {path: []string{"meet"}, list: true},
		"dialin": {path: []string{"dialin"}, list: true},
		"admin":  {path: []string{"admin"}, list: true},
	}},
	"federation": {path: []string{"federation"}, children: map[string]*blockSpec{
		"hosting_provider": {path: []string{"hosting_providers"}, labels: []string{"identity"}},
		"access_edge":      single("access_edge"),
	}},
	"hybrid": single("hybrid"),
	"pki": {path: []string{"pki"}, children: map[string]*blockSpec{
		"template": single("template"),
	}},
	"name_server": {path: []string{"name_servers"}, labels: []string{"fqdn"}},
	"mcx":         single("mcx"),
	"dns_zone": {path: []string{"dns"}, labels: []string{"view", "zone"}, children: map[string]*blockSpec{
		"soa":    single("soa"),
		"record": {path: []string{"records"}, labels: []string{"name"}, multi: true},
	}},
	"certificate":     {path: []string{"certificates"}, labels: []string{"name"}},
	"firewall_rule":   {path: []string{"firewall_rules"}, labels: []string{"name"}},
	"mobility_policy": {path: []string{"mobility_policies"}, labels: []string{"identity"}},
	"voice_policy":    {path: []string{"voice_policies"}, labels: []string{"identity"}},
	"voice_route":     {path: []string{"voice_routes"}, labels: []string{"name"}},
	"user": {path: []string{"users"}, labels: []string{"sip"}, children: map[string]*blockSpec{
		"contact_group": {path: []string{"contact_groups"}, labels: []string{"name"}},
	}},
	"generator":   {path: []string{"generators"}, labels: []string{"name"}},
	"acknowledge": {path: []string{"acknowledgements"}, labels: []string{"rule"}},
}

// BlockTypes lists the top-level block types, for documentation and completion.
func BlockTypes() []string {
	out := make([]string, 0, len(blocks))
	for k := range blocks {
		out = append(out, k)
	}
	return out
}

// Block describes one HCL block type of the topology language, for
// documentation: where its body goes in the canonical value.
type Block struct {
	Type string
	// Path is where the body goes, relative to the parent block's, before
	// one map key per label.
	Path   []string
	Labels []string
	// List: unlabelled blocks that may repeat, as list elements; Multi:
	// blocks with the same labels, as list elements under them.
	List, Multi bool
	Children    []Block
}

// Blocks returns the topology language's block types, sorted by type.
func Blocks() []Block { return exportBlocks(blocks) }

func exportBlocks(m map[string]*blockSpec) []Block {
	out := make([]Block, 0, len(m))
	for t, s := range m {
		out = append(out, Block{Type: t, Path: append([]string(nil), s.path...), Labels: append([]string(nil), s.labels...),
			List: s.list, Multi: s.multi, Children: exportBlocks(s.children)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out
}
