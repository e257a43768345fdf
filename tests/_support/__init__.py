"""Setup shared by the test modules: servers started as subprocesses, MCP message builders and small
HTTP helpers. ``conftest.py`` turns the parts that need a teardown into fixtures."""
