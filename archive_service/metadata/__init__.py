"""Metadata of archived documents: what the worker proposes from the text."""
