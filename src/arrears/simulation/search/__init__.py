"""Strategy search: a declared space (`space`), the search and its held-out test (`optimize`),
and what it writes (`output`)."""
