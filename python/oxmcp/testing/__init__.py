"""Testing helpers: `MockMcpClient` talks to a server in memory, through the same Rust
dispatcher as every real transport (no Python re-implementation of the protocol).

The client lives in `oxmcp.testing._client`; the answers it gives when the server asks the client
something (sampling, elicitation, roots) in `oxmcp.testing._answers`.
"""

from oxmcp.exceptions import ToolError
from oxmcp.testing._answers import (
    ElicitationCallback,
    ListRootsCallback,
    LoggingCallback,
    MessageHandler,
    ProgressCallback,
    SamplingCallback,
)
from oxmcp.testing._client import DEFAULT_MAX_INPUT_ROUNDS, MODERN, InputRequiredError, MockMcpClient

__all__ = [
    "DEFAULT_MAX_INPUT_ROUNDS",
    "MODERN",
    "ElicitationCallback",
    "InputRequiredError",
    "ListRootsCallback",
    "LoggingCallback",
    "MessageHandler",
    "MockMcpClient",
    "ProgressCallback",
    "SamplingCallback",
    "ToolError",
]
