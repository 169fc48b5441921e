provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.54.1"
  constraints = "~> 5.0"
  hashes = [
    "h1:482ORR6iI4I/Ht0WQ8GxO2w89HYQxCzexSFhrE5wXxU=",
    "zh:57e926564ee52eb92070774999213430da2c938c465331adac6f2472225fb182",
    "zh:e8c2d1411780b9470dd0cb121c1f09bfb751b861fe942bfa728d1eaefd9e15d1",
  ]
}
