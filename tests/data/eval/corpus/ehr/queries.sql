-- name: patient_by_mrn
SELECT mrn, first_name, last_name, dob FROM patients WHERE mrn = %(mrn)s;

-- name: patients_born_between
SELECT mrn FROM patients WHERE dob BETWEEN %(start)s AND %(end)s;
