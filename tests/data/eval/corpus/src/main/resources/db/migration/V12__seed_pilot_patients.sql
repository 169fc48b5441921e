-- Flyway migration: seed pilot cohort

INSERT INTO patient (mrn, full_name, birth_date, email) VALUES ('24-843-488', 'Malik Rasmussen', '1983-02-11', 'malik.rasmussen@example.org');
INSERT INTO patient (mrn, full_name, birth_date, email) VALUES ('MR27702118', 'Samuel Abernathy', '1938-02-08', 'samuela38@example.net');
INSERT INTO patient (mrn, full_name, birth_date, email) VALUES ('E936225793', 'Yolanda Whitcombe', '1949-09-25', 'yolanda.whitcombe@inbox.example.net');
INSERT INTO patient (mrn, full_name, birth_date, email) VALUES ('E464817271', 'Lucia Carrow', '1971-02-26', 'lucia.carrow@inbox.example.net');
INSERT INTO patient (mrn, full_name, birth_date, email) VALUES ('7475503', 'Tomas Varga', '2016-10-10', 'tvarga@inbox.example.net');
