from payments.iban import is_valid_iban

EXAMPLE_IBANS = [
    "GB82 WEST 1234 5698 7654 32",  # example from the IBAN registry
    "DE89 3704 0044 0532 0130 00",  # example from the IBAN registry
]


def test_examples_validate():
    assert all(is_valid_iban(i) for i in EXAMPLE_IBANS)
