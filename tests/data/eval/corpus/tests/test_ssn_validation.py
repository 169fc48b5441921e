import pytest

from ehr.validation import is_valid_ssn


@pytest.mark.parametrize("ssn", ["123-45-6789", "000-00-0000", "666-12-3456", "900-12-3456"])
def test_rejects_placeholder_and_invalid(ssn):
    assert not is_valid_ssn(ssn)
