export function PatientForm() {
  return (
    <form>
      <input name="name" placeholder="Jane Doe" />
      <input name="dob" placeholder="MM/DD/YYYY" />
      <input name="ssn" placeholder="XXX-XX-XXXX" />
      <input name="phone" placeholder="(555) 555-5555" />
    </form>
  );
}
