"""The archive's core: domain, catalog, storage port, use-case services, CLI."""
