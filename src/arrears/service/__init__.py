"""The service: the system of record behind a REST API and server-rendered pages, for the
agents, supervisors, strategy managers and compliance officers who work the plan by day."""
