package pipeline

import (
	"path/filepath"
	"strings"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/labstate"
	"github.com/mobplan/mobplan/internal/model"
)

// StateDir is the topology's state folder (.mobplan beside it): keys,
// lab passwords, the runtime's state.
func StateDir(root string) string { return filepath.Join(root, canon.StateDir) }

// labPasswords collects the users' lab passwords; nil when none is set.
func labPasswords(m *model.Topology) *labstate.Passwords {
	lp := &labstate.Passwords{FormatVersion: "1", Users: map[string]string{}}
	for key, u := range m.Users {
		if u.LabPassword == "" {
			continue
		}
		sip := u.SIP
		if sip == "" {
			sip = key
		}
		if len(sip) >= 4 && strings.EqualFold(sip[:4], "sip:") {
			sip = sip[4:]
		}
		lp.Users[strings.ToLower(sip)] = u.LabPassword
	}
	if len(lp.Users) == 0 {
		return nil
	}
	return lp
}
