package schema

import (
	"reflect"
	"strings"
	"testing"
)

// TestZonesApartChangeNothing: checking the declared zones apart, in
// batches, gives what checking them with the rest gives (every
// diagnostic, and the checked value), on the examples, the failing
// examples and their variations (ruleCases), with batches of three zones,
// so that most cases span several, and (the examples as they are) with
// batches as Check makes them.
func TestZonesApartChangeNothing(t *testing.T) {
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	saved := zoneBatchSize
	defer func() { zoneBatchSize = saved }()
	cases := ruleCases(t)
	apart, findings := 0, 0
	for i, c := range cases {
		if testing.Short() && strings.Contains(c.name, "~") && i%5 != 0 {
			continue
		}
		whole := s.check(c.doc, false)
		whole.Diagnostics.Sort() // as the loader does: Check's order is the map of findings'
		sizes := []int{3}
		if !strings.Contains(c.name, "~") {
			sizes = append(sizes, saved)
		}
		for _, size := range sizes {
			zoneBatchSize = size
			got := s.check(c.doc, true)
			got.Diagnostics.Sort()
			if got.zones != nil {
				apart++
			}
			if !reflect.DeepEqual(got.Diagnostics, whole.Diagnostics) {
				t.Errorf("%s, batches of %d: apart\n\t%v\nwhole\n\t%v", c.name, size, got.Diagnostics, whole.Diagnostics)
				continue
			}
			if whole.Diagnostics.HasErrors() && whole.Topology.Err() != nil {
				continue
			}
			wv, werr := whole.Value()
			gv, gerr := got.Value()
			if (werr == nil) != (gerr == nil) || !reflect.DeepEqual(gv, wv) {
				t.Errorf("%s, batches of %d: the checked value differs (errors %v, %v)", c.name, size, gerr, werr)
			}
		}
		for _, d := range whole.Diagnostics {
			if d.Rule == "DNS-011" {
				findings++
			}
		}
	}
	if apart < 100 {
		t.Errorf("only %d checks had zones to check apart", apart)
	}
	if !testing.Short() && findings < 3 {
		t.Errorf("DNS-011 found something in only %d cases: the zones' rule clauses are barely compared", findings)
	}
}
