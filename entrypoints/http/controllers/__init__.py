"""Thin controllers: DTO in, use-case call, DTO out."""
