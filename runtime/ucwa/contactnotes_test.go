package ucwa

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/planner/plan"
)

func TestContactListNotes(t *testing.T) {
	d := plan.Directory{Users: []plan.User{
		{SIP: "alice@contoso.com", ContactGroups: []plan.ContactGroup{
			{Name: "Team", Members: []string{"bob@contoso.com", "sip:Carol@Fabrikam.com", "alice@contoso.com"}},
		}},
		{SIP: "bob@contoso.com"},
	}}
	got := ContactListNotes(d)
	want := []string{
		`alice@contoso.com: contact group "Team" lists carol@fabrikam.com, who is not a user of the topology, left out (the lab serves its own directory only)`,
		`alice@contoso.com: contact group "Team" lists the user themself, left out`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("notes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Past the groups bound: one note per group left out.
	big := plan.User{SIP: "big@contoso.com"}
	dir := plan.Directory{Users: []plan.User{}}
	for i := range MaxContacts + 2 {
		sip := fmt.Sprintf("u%03d@contoso.com", i)
		dir.Users = append(dir.Users, plan.User{SIP: sip})
		big.ContactGroups = append(big.ContactGroups, plan.ContactGroup{Name: fmt.Sprintf("g%03d", i), Members: []string{sip}})
	}
	dir.Users = append(dir.Users, big)
	notes := ContactListNotes(dir)
	groupsOut := maxGroups - 2
	if want := len(big.ContactGroups) - groupsOut; len(notes) != want {
		t.Fatalf("%d notes, want %d (groups past %d): %q", len(notes), want, maxGroups, notes[:3])
	}
	if !strings.Contains(notes[0], `contact group "g062" is past the lab's 64 groups`) {
		t.Errorf("first note %q", notes[0])
	}
	// Past the contacts bound: one group of every other user.
	all := plan.User{SIP: "all@contoso.com", ContactGroups: []plan.ContactGroup{{Name: "All"}}}
	for _, u := range dir.Users[:MaxContacts+2] {
		all.ContactGroups[0].Members = append(all.ContactGroups[0].Members, u.SIP)
	}
	dir.Users = append(dir.Users[:MaxContacts+2], all)
	notes = ContactListNotes(dir)
	if len(notes) != 2 || !strings.Contains(notes[0], "u250@contoso.com in group \"All\" is past the lab's 250 contacts") {
		t.Errorf("past %d contacts: %q", MaxContacts, notes)
	}
	if n := ContactListNotes(plan.Directory{Users: []plan.User{{SIP: "x@contoso.com"}}}); len(n) != 0 {
		t.Errorf("no contact lists, notes %q", n)
	}
}
