"""``python -m oxmcp``: the command line (see `oxmcp.cli`)."""

from oxmcp.cli import main

main()
