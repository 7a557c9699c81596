"""Codebooks shipped with litrev (package data): ``default.toml`` is the first review's."""
