"""The seed guide's production configuration (section "Production Configuration"), served over stdio.

Copied from the seed; only ``mcp`` -> ``oxmcp`` in the imports. The seed uses ``datetime`` without
importing it, so ``from datetime import datetime`` is added, and ``import asyncio`` for the stdio
entry point. As in the seed, logging goes to stderr and to ``mcp_server.log`` in the current directory.
"""

import asyncio
import logging.config
from datetime import datetime

from oxmcp import McpServer

# Production logging configuration
LOGGING_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "standard": {"format": "%(asctime)s [%(levelname)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "default": {
            "level": "INFO",
            "formatter": "standard",
            "class": "logging.StreamHandler",
        },
        "file": {
            "level": "INFO",
            "formatter": "standard",
            "class": "logging.FileHandler",
            "filename": "mcp_server.log",
        },
    },
    "loggers": {"": {"handlers": ["default", "file"], "level": "INFO", "propagate": False}},
}

logging.config.dictConfig(LOGGING_CONFIG)

# Production server setup
server = McpServer("production-server")


# Add health check endpoint
@server.tool()
async def health_check() -> dict:
    """Health check endpoint."""
    return {"status": "healthy", "timestamp": datetime.now().isoformat(), "version": "1.0.0"}


if __name__ == "__main__":
    asyncio.run(server.run_stdio())
