"""The two protocol eras every feature is tested in: the handshake era (newest revision 2025-11-25)
and the stateless revision 2026-07-28, where each request carries its own `_meta`."""

from __future__ import annotations

import pytest

LEGACY = "2025-11-25"
MODERN = "2026-07-28"

# Runs a test once per era, with the revision as its `version` argument.
ERAS = pytest.mark.parametrize("version", [LEGACY, MODERN], ids=["handshake", "stateless"])

# The official SDK client's `mode` for each era ("legacy" negotiates with a handshake).
SDK_MODES = ["legacy", MODERN]
