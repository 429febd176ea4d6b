"""Peers run in their own environments (balance: see requirements-balance.txt)."""
