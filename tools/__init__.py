"""The capabilities, one package each (see the README's "How to add a tool"):

- ``scoring/``: score_title (the title scorer), ``scripts/``: analyze_script (transcripts and their hooks),
  ``titles/``: generate_titles (the title generation subgraph), ``outliers/``: retrieve_outliers (outlier videos
  and title patterns), ``analytics/``: pull_analytics (Studio exports, the YouTube APIs), ``creators/``:
  search_creators (creator search, identity resolution, enrichment), ``learning/``: use_title, record_feedback,
  show_memory, edit_memory, learn_voice, title_outcomes (feedback, preferences, Creator DNA, outcomes),
  ``preproduction/``: check_promise, check_idea, develop_hooks, outline_script (the promise guard, the idea check, hook development, outlines).

``base.py`` holds what every tool shares (``cortex_tool``, the offline spec, trace events, the run context) and
``extract.py`` the argument extraction the offline engine's extractors share. ``load_engines`` loads what the
engines read on first use, off the event loop.
"""

import threading

from langchain_core.tools import BaseTool

ENGINE_SAMPLE_TITLE = "I Built a Giant Lego Volcano"
ENGINE_SAMPLE_SCRIPT = (
    "Have you ever wondered why a volcano erupts? In this video I build a giant Lego volcano in my garage, fill it "
    "with baking soda and vinegar, and film the eruption in slow motion. By the end you will know exactly how "
    "pressure builds up under the surface, and why the real ones are so hard to predict."
)
"""What ``load_engines`` runs the engines on: a title and a short script (over ``MIN_SCRIPT_WORDS``) written for it."""

_loaded = threading.Event()
_loading = threading.Lock()


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


def load_engines() -> None:
    """Load what the tools' engines read on their first use (model weights, the YouTube model's static embedding
    tier, distilled on first use, word-frequency lists, the sentiment lexicon) by running them once on
    ``ENGINE_SAMPLE_TITLE`` and ``ENGINE_SAMPLE_SCRIPT``: the title scorer (score_title, generate_titles' judge), the
    offline transcript analysis (analyze_script, generate_titles, check_promise) and the fluency guard's title-likeness
    model (fitted once per data dir, ~25 s, then loaded from the state dir). Blocking (seconds; the static
    tier's first distillation ~16 s on 2 cores): run it in a worker thread (``asyncio.to_thread``), as the
    conversation graph does before its first tool call (``graphs.conversation.tools_node``) and `cortex serve` at
    start-up, so no tool reads a model file inside the event loop (`langgraph dev` refuses that, and every
    conversation on the service would wait). Runs once per process; concurrent callers wait for the first."""
    if _loaded.is_set():
        return
    with _loading:
        if _loaded.is_set():
            return
        from tools.scoring.scorer import score_titles
        from tools.scripts.hooks import analyze_offline
        from tools.scripts.parsing import parse_script
        from tools.titles.fluency import check_title

        score_titles([ENGINE_SAMPLE_TITLE])
        analyze_offline(parse_script(ENGINE_SAMPLE_SCRIPT), ENGINE_SAMPLE_SCRIPT)
        check_title(ENGINE_SAMPLE_TITLE)
        _loaded.set()


def engines_loaded() -> bool:
    """Whether ``load_engines`` has run in this process (then a tool's first call loads nothing)."""
    return _loaded.is_set()
