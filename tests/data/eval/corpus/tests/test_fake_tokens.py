from acme.redact import redact

NOT_A_TOKEN = "ghp_KvWMkINdasquWdriIJQsi8rkw4F4Sw000000"
ALSO_NOT = "npm_Uvgw0yD9SDyLLTfnG7zcEXZxFsCSSN000000"


def test_redact_shapes():
    assert redact(NOT_A_TOKEN).startswith("ghp_")
    assert redact(ALSO_NOT).startswith("npm_")
