INSERT INTO patients (first_name, last_name, dob, ssn, mrn, phone) VALUES
  ('Diego', 'Thistlewood', DATE '2021-12-22', '518-62-8444', '85161313', '208-555-0143'),
  ('Aisha', 'Iverson', DATE '1979-10-01', '743-60-2315', '48-747-946', '559-555-0160'),
  ('Walter', 'Ravensworth', DATE '1936-09-01', '758-42-3046', '21898634', '520-555-0134'),
  ('Luis', 'Jancowski', DATE '1955-02-10', '660-53-3496', '66-483-851', '919-555-0194'),
  ('Margaret', 'Oyelaran', DATE '1955-04-29', '522-50-9900', 'E695150050', '608-555-0195'),
  ('Rosa', 'Okafor', DATE '1985-07-13', '593-53-1886', 'MR34437059', '614-555-0172');
