"""The shipped channel providers (entry points in pyproject.toml, group `arrears.channels`)."""
