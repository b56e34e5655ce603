"""Helpers shared by the tests (servers, databases, fault kits, text)."""
