-- fixtures for the eligibility integration suite
INSERT INTO members (member_id, name, dob, group_no) VALUES ('BCX086229479', 'Keiko Okafor', '2001-09-08', 'GRP-3361');
INSERT INTO members (member_id, name, dob, group_no) VALUES ('XEH885084265', 'Grace Quintero', '1938-04-13', 'GRP-5149');
INSERT INTO members (member_id, name, dob, group_no) VALUES ('W594392071', 'Malik Haddad', '1977-02-03', 'GRP-1301');
INSERT INTO members (member_id, name, dob, group_no) VALUES ('XEH939090152', 'Chloe Kowalczyk', '1952-03-09', 'GRP-7088');
