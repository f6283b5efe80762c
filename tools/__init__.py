"""The capabilities, one package each (see the README's "How to add a tool"):

- ``scoring/``: score_title (the title scorer), ``scripts/``: analyze_script (transcripts and their hooks),
  ``titles/``: generate_titles (the title generation subgraph), ``outliers/``: retrieve_outliers (outlier videos
  and title patterns), ``analytics/``: pull_analytics (Studio exports, the YouTube APIs), ``creators/``:
  search_creators (creator search, identity resolution, enrichment), ``learning/``: use_title, record_feedback,
  show_memory, edit_memory, learn_voice, title_outcomes (feedback, preferences, Creator DNA, outcomes),
  ``preproduction/``: check_promise, check_idea, develop_hooks, outline_script (the promise guard, the idea check, hook development, outlines).

``base.py`` holds what every tool shares (``cortex_tool``, the offline spec, trace events, the run context) and
``extract.py`` the argument extraction the offline engine's extractors share.
"""

from langchain_core.tools import BaseTool


def all_tools() -> list[BaseTool]:
    """Every tool the conversation graph can call, in routing order: generate_titles first, so that a bare pasted
    transcript gets the whole flow (hooks and titles)."""
    from tools.analytics import tool as analytics
    from tools.creators import tool as creators
    from tools.learning import tool as learning
    from tools.outliers import tool as outliers
    from tools.preproduction import tool as preproduction
    from tools.scoring import tool as scoring
    from tools.scripts import tool as scripts
    from tools.titles import tool as titles

    return [
        titles.tool,
        scoring.tool,
        outliers.tool,
        analytics.tool,
        scripts.tool,
        creators.tool,
        learning.use_title_tool,
        learning.record_feedback_tool,
        learning.show_memory_tool,
        learning.edit_memory_tool,
        learning.learn_voice_tool,
        learning.title_outcomes_tool,
        preproduction.check_promise_tool,
        preproduction.check_idea_tool,
        preproduction.develop_hooks_tool,
        preproduction.outline_script_tool,
    ]
