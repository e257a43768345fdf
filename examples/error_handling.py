"""The seed guide's error handling and logging server (section 5), served over stdio.

Copied from the seed; only ``mcp`` -> ``oxmcp`` in the imports (and the stdio entry point added).
`McpError` derives from BaseException, so the tool's ``except Exception`` block does not swallow the
deliberate -32600 error, and the global error handler does not rewrite it either.
"""

import asyncio
import logging
import traceback

from oxmcp import McpServer
from oxmcp.types import McpError, Tool  # noqa: F401 - Tool is imported by the seed

# Configure logging
logging.basicConfig(level=logging.INFO)
logger = logging.getLogger(__name__)

server = McpServer("robust-server")


@server.tool()
async def divide_numbers(a: float, b: float) -> float:
    """Divide two numbers with proper error handling."""
    try:
        if b == 0:
            raise McpError(code=-32600, message="Division by zero is not allowed", data={"a": a, "b": b})

        result = a / b
        logger.info(f"Division successful: {a} / {b} = {result}")
        return result

    except Exception as e:
        logger.error(f"Error in division: {str(e)}")
        logger.error(traceback.format_exc())
        raise McpError(  # noqa: B904 - as in the seed
            code=-32603, message="Internal server error", data={"error": str(e)}
        )


@server.error_handler()
async def handle_errors(error):
    """Global error handler."""
    logger.error(f"Server error: {error}")
    return {"error": {"code": -32603, "message": "Internal server error"}}


if __name__ == "__main__":
    asyncio.run(server.run_stdio())
