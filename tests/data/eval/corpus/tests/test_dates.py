from datetime import date

import pytest

from acme.dates import parse_date


@pytest.mark.parametrize(
    "text,expected",
    [
        ("1957-03-14", date(1957, 3, 14)),
        ("03/14/1957", date(1957, 3, 14)),
        ("14 Mar 1957", date(1957, 3, 14)),
        ("19570314", date(1957, 3, 14)),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected
