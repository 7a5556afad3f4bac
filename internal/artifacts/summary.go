package artifacts

// Summary counts a comparison's changes by action, and the files edited
// by hand among them.
type Summary struct {
	Create int `json:"create"`
	Update int `json:"update"`
	Delete int `json:"delete"`
	Drift  int `json:"drift"`
	// Unmanaged counts files at planned paths that mobplan never wrote.
	Unmanaged int `json:"unmanaged,omitempty"`
}

// Summarize counts the changes.
func Summarize(cs []Change) Summary {
	var s Summary
	for _, c := range cs {
		switch c.Action {
		case Create:
			s.Create++
		case Update:
			s.Update++
		case Delete:
			s.Delete++
		}
		if c.Drift {
			s.Drift++
		}
		if c.Unmanaged {
			s.Unmanaged++
		}
	}
	return s
}

// Pending reports whether apply would write or delete anything.
func (s Summary) Pending() bool { return s.Create+s.Update+s.Delete > 0 }

// Pending lists the changes apply would make or refuse (drift), leaving
// out unchanged files.
func Pending(cs []Change) []Change {
	out := []Change{}
	for _, c := range cs {
		if c.Action != Unchanged || c.Drift || c.Unmanaged {
			out = append(out, c)
		}
	}
	return out
}
