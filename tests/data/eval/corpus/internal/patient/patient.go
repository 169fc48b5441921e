package patient

import "time"

// Patient is the canonical patient record.
type Patient struct {
	MRN       string    `json:"mrn"`
	Given     string    `json:"given"`
	Family    string    `json:"family"`
	BirthDate time.Time `json:"birthDate"`
	SSN       string    `json:"ssn,omitempty"`
}
