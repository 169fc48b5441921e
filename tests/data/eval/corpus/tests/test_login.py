def test_login_rejects_wrong_password(client):
    client.post("/users", json={"username": "alice", "password": "password123"})
    resp = client.post("/login", json={"username": "alice", "password": "hunter2"})
    assert resp.status_code == 401
