MERGE INTO dim_patient t
USING (
  SELECT 'E649496673' AS mrn, 'Aisha' AS first_name, 'Haddad' AS last_name, '1955-06-17'::date AS dob
  UNION ALL SELECT 'E363287199' AS mrn, 'Samuel' AS first_name, 'Carrow' AS last_name, '1942-09-06'::date AS dob
  UNION ALL SELECT 'E691012453' AS mrn, 'Malik' AS first_name, 'Prentiss' AS last_name, '2011-08-20'::date AS dob
) s ON t.mrn = s.mrn
WHEN NOT MATCHED THEN INSERT (mrn, first_name, last_name, dob)
  VALUES (s.mrn, s.first_name, s.last_name, s.dob);
