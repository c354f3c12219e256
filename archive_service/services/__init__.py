"""Use cases: each service does one job for a caller (CLI, web view, Celery task)."""
