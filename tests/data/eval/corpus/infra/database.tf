variable "db_password" {
  type      = string
  sensitive = true
}

resource "aws_db_instance" "claims" {
  username = "claims"
  password = var.db_password
}
