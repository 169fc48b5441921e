from freezegun import freeze_time

from billing.cycle import next_statement_date


@freeze_time("2024-01-15")
def test_next_statement_date():
    assert next_statement_date().isoformat() == "2024-02-01"
