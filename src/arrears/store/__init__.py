"""The system of record: SQLAlchemy models, Alembic migrations, import and export.

A shell around the pure core: planning never imports it; it reads and writes the contract's
Polars tables (docs/service.md).
"""
