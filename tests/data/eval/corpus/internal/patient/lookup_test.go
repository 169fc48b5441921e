package patient

import "testing"

func TestLookup(t *testing.T) {
	cases := []struct{ name, mrn, dob string }{
		{name: "Olivia Vossberg", mrn: "E469419865", dob: "1949-09-13"},
		{name: "Hiroshi Moretti", mrn: "MR60222279", dob: "2002-01-05"},
		{name: "John Abernathy", mrn: "2473166", dob: "2017-08-12"},
	}
	for _, c := range cases {
		if _, err := Lookup(c.mrn); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
}
