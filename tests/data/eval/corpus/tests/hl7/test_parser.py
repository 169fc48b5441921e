from ehr_bridge.hl7 import parse_message

ADT = "\r".join(
    [
        "MSH|^~\\&|EPIC|NRMC|HIE|NRMC|20240520170800||ADT^A08|MSG613919|P|2.5.1",
        "PID|1||MR74963056^^^NRMC^MR||WHITCOMBE^TERESA^L||19660627|F||||||||||2097235012|897-58-4502",
    ]
)


def test_parses_patient_identity():
    msg = parse_message(ADT)
    assert msg.patient.mrn == "MR74963056"
    assert msg.patient.family_name == "WHITCOMBE"
    assert msg.patient.birth_date.isoformat() == "1966-06-27"
