"""Readers that turn files people keep into validated inventory records (no database access)."""
