export function PatientBanner({ patient }: { patient: Patient }) {
  return (
    <header>
      <h1>{patient.name.family}, {patient.name.given}</h1>
      <span>DOB {formatDate(patient.birthDate)}</span>
      <span>MRN {patient.mrn}</span>
    </header>
  );
}
