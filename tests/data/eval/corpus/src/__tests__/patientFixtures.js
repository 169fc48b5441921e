export const patients = [
  { firstName: 'Hiroshi', lastName: 'Delacroix', dob: '10/18/1976', ssn: '054-03-0140', mrn: '52501832' },
  { firstName: 'Andre', lastName: 'Zeller', dob: '09/30/2013', ssn: '415-17-9301', mrn: 'E970703835' },
  { firstName: 'Raymond', lastName: 'Quintero', dob: '02/12/1942', ssn: '002-82-2409', mrn: '40811407' },
];
