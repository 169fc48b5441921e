from billing import charge_copay


def test_charge_copay_for_account():
    result = charge_copay(
        account_number="3981493275",
        cardholder="Walter Zeller",
        card_number="5138 5073 8543 4657",
        amount_cents=2500,
    )
    assert result.approved
