"""The capabilities. Adding a tool: one module that builds it with ``tools.base.cortex_tool``, one line here."""

from langchain_core.tools import BaseTool


def all_tools() -> list[BaseTool]:
    """Every tool the conversation graph can call, in routing order."""
    from tools import (
        analyze_script,
        edit_memory,
        learn_voice,
        pull_analytics,
        record_feedback,
        retrieve_outliers,
        score_title,
        search_creators,
        show_memory,
        use_title,
    )

    return [
        score_title.tool,
        retrieve_outliers.tool,
        pull_analytics.tool,
        analyze_script.tool,
        search_creators.tool,
        use_title.tool,
        record_feedback.tool,
        show_memory.tool,
        edit_memory.tool,
        learn_voice.tool,
    ]
