"""The service tests' fixtures (a book per back end, a client): see tests/service_fixtures.py."""

from service_fixtures import book, client  # noqa: F401
