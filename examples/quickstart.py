"""The seed guide's simple tool server (section 1), served over stdio."""

import asyncio

from oxmcp import McpServer

# Create server instance
server = McpServer("my-tool-server")


@server.tool()
async def calculate_sum(a: float, b: float) -> float:
    """Calculate the sum of two numbers."""
    return a + b


@server.tool()
async def get_weather(city: str) -> str:
    """Get weather information for a city."""
    # In a real implementation, you'd call a weather API
    return f"The weather in {city} is sunny and 72°F"


if __name__ == "__main__":
    # Run with stdio transport
    asyncio.run(server.run_stdio())
