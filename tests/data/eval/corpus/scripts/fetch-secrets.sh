#!/usr/bin/env bash
set -euo pipefail
export DB_PASSWORD="$(aws secretsmanager get-secret-value --secret-id prod/db --query SecretString --output text)"
export VAULT_TOKEN="$(vault print token)"
