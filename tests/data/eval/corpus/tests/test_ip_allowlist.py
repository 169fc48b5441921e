from acme.net import is_allowed


def test_private_ranges_allowed():
    assert is_allowed("10.0.0.1")
    assert is_allowed("192.168.1.1")
    assert not is_allowed("8.8.8.8")
