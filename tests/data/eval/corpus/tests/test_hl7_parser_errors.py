from ehr_bridge.hl7 import parse_message


def test_missing_msh_is_an_error():
    msg = "PID|1||000000^^^TEST^MR||PATIENT^TEST||19000101|U"
    assert parse_message(msg).errors == ["MSH segment missing"]
