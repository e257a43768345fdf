"""The seed guide's prompt server (section 3), served over stdio.

Copied from the seed; only ``mcp`` -> ``oxmcp`` in the imports (and the stdio entry point added).
"""

import asyncio

from oxmcp import McpServer
from oxmcp.types import Prompt, PromptMessage

server = McpServer("prompt-server")


@server.prompt("code-review")
async def code_review_prompt(language: str = "python", style: str = "standard"):
    """Generate a code review prompt."""
    return PromptMessage(
        role="user",
        content=f"""Please review the following {language} code following {style} style guidelines:

Guidelines to check:
- Code quality and readability
- Performance considerations
- Security best practices
- Documentation completeness
- Error handling

Provide constructive feedback with specific suggestions for improvement.""",
    )


@server.list_prompts()
async def list_available_prompts():
    """List all available prompts."""
    return [
        Prompt(
            name="code-review",
            description="Generate code review prompts",
            arguments=[
                {"name": "language", "description": "Programming language", "required": False},
                {"name": "style", "description": "Code style guidelines", "required": False},
            ],
        )
    ]


if __name__ == "__main__":
    asyncio.run(server.run_stdio())
