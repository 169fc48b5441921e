CREATE TABLE patients (
    id            BIGSERIAL PRIMARY KEY,
    mrn           VARCHAR(12) NOT NULL UNIQUE,
    first_name    VARCHAR(80) NOT NULL,
    last_name     VARCHAR(80) NOT NULL,
    dob           DATE NOT NULL,
    ssn           CHAR(11),
    phone         VARCHAR(20),
    CONSTRAINT ssn_format CHECK (ssn ~ '^[0-9]{3}-[0-9]{2}-[0-9]{4}$')
);
CREATE INDEX patients_dob_idx ON patients (dob);
