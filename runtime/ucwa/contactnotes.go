package ucwa

import (
	"fmt"
	"strings"

	"github.com/mobplan/mobplan/planner/plan"
)

// ContactListNotes says, one sentence each, what of the contact lists the
// directory declares the lab leaves out, by the same rules as
// contactGroups: a member who is not a directory user (a federated
// contact, or a typing error), the user in their own list, a group past
// the 64th, a contact past the 250th. serve logs them so that a contact
// missing from a phone's list in the lab is not a mystery.
func ContactListNotes(d plan.Directory) []string {
	users := make(map[string]bool, len(d.Users))
	for _, u := range d.Users {
		users[strings.ToLower(u.SIP)] = true
	}
	var notes []string
	for _, u := range d.Users {
		self := strings.ToLower(u.SIP)
		groups := 2 // the pinned and the default group
		seen, total := map[string]bool{}, 0
		for _, g := range u.ContactGroups {
			if !strings.EqualFold(g.Name, PinnedGroupName) && !strings.EqualFold(g.Name, DefaultGroupName) {
				if groups == maxGroups {
					notes = append(notes, fmt.Sprintf("%s: contact group %q is past the lab's %d groups and left out", u.SIP, g.Name, maxGroups))
					continue
				}
				groups++
			}
			for _, m := range g.Members {
				m = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(m), "sip:"))
				switch {
				case m == self:
					notes = append(notes, fmt.Sprintf("%s: contact group %q lists the user themself, left out", u.SIP, g.Name))
				case !users[m]:
					notes = append(notes, fmt.Sprintf("%s: contact group %q lists %s, who is not a user of the topology, left out (the lab serves its own directory only)", u.SIP, g.Name, m))
				case !seen[m] && total == MaxContacts:
					notes = append(notes, fmt.Sprintf("%s: contact %s in group %q is past the lab's %d contacts and left out", u.SIP, m, g.Name, MaxContacts))
				case !seen[m]:
					seen[m] = true
					total++
				}
			}
		}
	}
	return notes
}
