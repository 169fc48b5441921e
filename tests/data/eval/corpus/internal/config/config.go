package config

import "os"

var (
	GitHubToken = os.Getenv("GITHUB_TOKEN")
	VaultToken  = os.Getenv("VAULT_TOKEN")
)
