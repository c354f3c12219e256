"""Celery app, queues and thin tasks that call archive_service services."""
