"""Synthetic collection portfolios (`arrears generate`): every contract table, reproducible.

Used for demos, benchmarks and tests instead of real lender data, which cannot be shared.
"""

from arrears.generate.portfolio import generate_portfolio, write_portfolio

__all__ = ["generate_portfolio", "write_portfolio"]
