"""The capabilities. Adding a tool: one module that builds it with ``tools.base.cortex_tool``, one line here."""

from langchain_core.tools import BaseTool


def all_tools() -> list[BaseTool]:
    """Every tool the conversation graph can call, in routing order."""
    from tools import analyze_script, pull_analytics, retrieve_outliers, score_title, search_creators, use_title

    return [
        score_title.tool,
        retrieve_outliers.tool,
        pull_analytics.tool,
        analyze_script.tool,
        search_creators.tool,
        use_title.tool,
    ]
