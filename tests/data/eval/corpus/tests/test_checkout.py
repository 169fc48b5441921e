def test_checkout_succeeds(stripe_client):
    pm = stripe_client.payment_methods.create(card={"number": "4242424242424242"})
    assert pm.id
    assert stripe_client.confirm("pm_card_visa").status == "succeeded"
