"""`require`: how a test says it needs a tool or a server this machine may lack.

On a developer's machine the test is skipped with the reason; under CI=true it fails,
so CI can never pass by skipping.
"""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(condition: bool, what: str) -> None:
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{what} is missing, and CI must not skip (run ./scripts/test)")
    pytest.skip(f"{what} is missing")
