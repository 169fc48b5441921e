INSERT INTO appointments (patient_name, phone, starts_at) VALUES ('Samuel Yilmaz', '(559) 555-0189', TIMESTAMP '2024-06-27 09:00:00');
INSERT INTO appointments (patient_name, phone, starts_at) VALUES ('Grace Okafor', '(559) 555-0149', TIMESTAMP '2024-06-13 09:00:00');
INSERT INTO appointments (patient_name, phone, starts_at) VALUES ('Tomas Achterberg', '(217) 555-0132', TIMESTAMP '2024-06-23 09:00:00');
INSERT INTO appointments (patient_name, phone, starts_at) VALUES ('Malik Marchetti', '(608) 555-0110', TIMESTAMP '2024-06-25 09:00:00');
