from ehr.masking import mask_ssn


def test_mask_is_total():
    assert mask_ssn("<SSN>") == "XXX-XX-XXXX"
    assert mask_ssn("") == "***-**-****"
