"""The case engine shared by every request kind."""
