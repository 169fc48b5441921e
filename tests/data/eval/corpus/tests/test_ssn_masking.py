from ehr.masking import mask_ssn

PATIENT_SSN = "654-04-1094"  # from ticket EHR-2231


def test_mask_ssn_keeps_last_four():
    assert mask_ssn(PATIENT_SSN).endswith(PATIENT_SSN[-4:])
