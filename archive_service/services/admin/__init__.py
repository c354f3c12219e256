"""Administration: the audit log of personal data, facets as people read them, and
moving a whole archive from the embedded mode to servers (`relocation`).
"""
