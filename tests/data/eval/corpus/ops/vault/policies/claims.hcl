path "secret/data/claims/*" {
  capabilities = ["read"]
}
