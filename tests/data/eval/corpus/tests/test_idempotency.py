IDEMPOTENCY_KEY = "c6a948d87bcca1ea9597a7b8f89216e5"
NONCE = "9lU7toe9euIQj8HBNJOpJg=="


def test_replay_is_rejected(client):
    first = client.post("/claims", headers={"Idempotency-Key": IDEMPOTENCY_KEY})
    second = client.post("/claims", headers={"Idempotency-Key": IDEMPOTENCY_KEY})
    assert second.status_code == first.status_code
