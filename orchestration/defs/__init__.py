"""Definitions by concern; `orchestration.definitions` assembles them."""
