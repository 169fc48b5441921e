from sqlalchemy import Column, Date, MetaData, String, Table

metadata = MetaData()

patients = Table(
    "patients",
    metadata,
    Column("mrn", String(12), primary_key=True),
    Column("family_name", String(80)),
    Column("given_name", String(80)),
    Column("birth_date", Date),
    Column("ssn_encrypted", String(256)),
)
