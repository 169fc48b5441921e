export interface Patient {
  mrn: string;
  name: { given: string; family: string };
  birthDate: string; // ISO 8601, e.g. YYYY-MM-DD
  ssn?: string;
  phone?: string;
  address?: { line1: string; city: string; state: string; zip: string };
}
