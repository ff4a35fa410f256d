"""Liquidity Brief: a bilingual weekly macro-liquidity and bitcoin brief."""

__version__ = "0.1.0"
