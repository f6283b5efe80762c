"""Evaluators of the eval suites and the statistics of their reports.

- Trajectory match: agentevals' ``create_trajectory_match_evaluator`` in its four modes on the tools called
  (``strict``: the same messages in the same order; ``unordered``: the same tool calls in any order; ``subset``: no
  call outside the reference; ``superset``: every reference call made), and the superset mode with argument
  matching (``args_matcher`` overriding agentevals' exact comparison for every tool): a reference call lists only
  the arguments that matter, text is compared case-insensitively, lists as sets, and free-text arguments
  (``TEXT_ARGS``: an outlier search's query) match when every reference word is in the call's text.
- LLM-as-judge (openevals ``create_async_llm_as_judge``), only when a model is configured (``judge_model``): a
  grounding judge of a conversation's last answer, and a pairwise judge asked in both orders (``pairwise``): a side
  wins only if it wins in both orders, a disagreement is a tie (position bias cancels; Zheng et al. 2023, "Judging
  LLM-as-a-Judge with MT-Bench and Chatbot Arena", section 3.4).
- Statistics: Wilson score intervals for proportions (Wilson 1927; ``scipy.stats.binomtest``), percentile
  bootstrap intervals of means (``scipy.stats.bootstrap``), pass^k over repeated trials (Yao et al. 2024,
  "tau-bench", section 5: the chance that k independent trials of a task all succeed, estimated without bias from
  n >= k trials with c successes as C(c, k) / C(n, k), averaged over tasks), and McNemar's exact test for paired
  pass/fail outcomes of two runs on the same cases (McNemar 1947; the binomial test on the discordant pairs).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from math import comb
from typing import Any, Literal

import numpy as np
from agentevals.trajectory.match import create_trajectory_match_evaluator
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from openevals.llm import create_async_llm_as_judge
from pydantic import BaseModel, Field
from scipy import stats

from agent.settings import Settings, get_settings

MATCH_MODES = ("strict", "unordered", "subset", "superset")
"""agentevals' trajectory match modes, each reported for every multi-turn scenario."""

TEXT_ARGS: dict[str, tuple[str, ...]] = {"retrieve_outliers": ("query",), "search_creators": ("query",)}
"""Free-text arguments, per tool: they match when every word of the reference is in the call's text."""

CONFIDENCE = 0.95
N_BOOTSTRAP = 2000
SEED = 20250101

# --- statistics --------------------------------------------------------------------------------------------------


def wilson(successes: int, n: int) -> dict[str, Any]:
    """A proportion with its 95 % Wilson score interval: ``{"value", "ci95": [low, high], "n", "successes",
    "interval": "wilson"}``; ``value`` is None when ``n`` is 0."""
    if n == 0:
        return {"value": None, "ci95": [None, None], "n": 0, "successes": 0, "interval": "wilson"}
    ci = stats.binomtest(successes, n).proportion_ci(confidence_level=CONFIDENCE, method="wilson")
    return {"value": successes / n, "ci95": [float(ci.low), float(ci.high)], "n": n, "successes": successes,
            "interval": "wilson"}


def mean_with_interval(values: Sequence[float]) -> dict[str, Any]:
    """The mean of per-task values in [0, 1] with a 95 % interval: Wilson when every value is 0 or 1 (then the mean
    is a proportion of tasks), else the percentile bootstrap over tasks (``N_BOOTSTRAP`` resamples, fixed seed).
    Shape as ``wilson`` (``successes`` only for 0/1 values)."""
    if all(v in (0, 1) for v in values):
        return wilson(int(sum(values)), len(values))
    data = np.asarray(values, dtype=np.float64)
    if np.ptp(data) == 0:  # every task alike: every resample has the same mean
        return {"value": float(data[0]), "ci95": [float(data[0])] * 2, "n": len(values),
                "interval": "bootstrap (percentile, tasks resampled)"}
    res = stats.bootstrap((data,), np.mean, n_resamples=N_BOOTSTRAP, confidence_level=CONFIDENCE,
                          method="percentile", random_state=SEED)
    return {"value": float(data.mean()), "ci95": [float(res.confidence_interval.low), float(res.confidence_interval.high)],
            "n": len(values), "interval": "bootstrap (percentile, tasks resampled)"}


def pass_hat_k(successes: int, trials: int, k: int) -> float:
    """Unbiased estimate of pass^k for one task from ``trials`` >= ``k`` trials with ``successes`` successes:
    C(successes, k) / C(trials, k) (tau-bench). Raises ValueError when k is not in 1..trials."""
    if not 1 <= k <= trials:
        raise ValueError(f"pass^k needs 1 <= k <= trials, got k={k} with {trials} trials.")
    return comb(successes, k) / comb(trials, k)


def pass_k_metrics(outcomes: Sequence[Sequence[bool]]) -> dict[str, dict[str, Any]]:
    """``{"pass^1": metric, ..., "pass^n": metric}`` over tasks, each task a list of n trial outcomes (every task
    has the same n); each metric as ``mean_with_interval`` over the tasks' pass^k estimates."""
    if not outcomes:
        return {}
    trials = len(outcomes[0])
    return {f"pass^{k}": mean_with_interval([pass_hat_k(sum(o), trials, k) for o in outcomes])
            for k in range(1, trials + 1)}


def mcnemar(before: Sequence[bool], after: Sequence[bool]) -> dict[str, Any]:
    """McNemar's exact test on paired outcomes of the same cases in two runs: ``{"improved": cases that went from
    fail to pass, "regressed": pass to fail, "p_value"}`` (two-sided binomial test on the discordant pairs; 1.0
    when there are none)."""
    improved = sum(1 for b, a in zip(before, after) if a and not b)
    regressed = sum(1 for b, a in zip(before, after) if b and not a)
    n = improved + regressed
    p = float(stats.binomtest(improved, n, 0.5).pvalue) if n else 1.0
    return {"improved": improved, "regressed": regressed, "p_value": p}


# --- argument and trajectory matching ------------------------------------------------------------------------------

_QUOTES = "\"'“”‘’«» "


def _norm_text(value: str) -> str:
    return re.sub(r"\s+", " ", value.strip(_QUOTES)).casefold()


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, str) and isinstance(got, str):
        return _norm_text(got) == _norm_text(want)
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        return abs(float(got) - float(want)) < 1e-9
    if isinstance(want, list) and isinstance(got, list):
        return sorted(_norm_text(str(x)) for x in got) == sorted(_norm_text(str(x)) for x in want)
    return got == want


def args_matcher(text_keys: Iterable[str] = ()) -> Callable[[dict, dict], bool]:
    """An agentevals argument matcher ``(call args, reference args) -> bool``: every reference argument is in the
    call and equal after normalisation (text case- and quote-insensitive, lists as sets, numbers as floats); for
    ``text_keys`` every reference word must appear in the call's text (a query "space" matches "space experiments")."""
    loose = frozenset(text_keys)

    def match(got: dict, want: dict) -> bool:
        for key, value in want.items():
            if key not in got:
                return False
            if key in loose and isinstance(value, str):
                text = _norm_text(str(got[key]))
                if not all(word in text for word in _norm_text(value).split()):
                    return False
            elif not _same(got[key], value):
                return False
        return True

    return match


def arg_overrides(tool_names: Iterable[str]) -> dict[str, Callable[[dict, dict], bool]]:
    """agentevals ``tool_args_match_overrides`` for these tools: ``args_matcher`` with each tool's ``TEXT_ARGS``."""
    return {name: args_matcher(TEXT_ARGS.get(name, ())) for name in tool_names}


def assistant_calls(calls: Sequence[dict]) -> dict[str, Any]:
    """An OpenAI-format assistant message calling ``calls`` (``{"name", "args"}`` each)."""
    return {"role": "assistant", "content": "", "tool_calls": [
        {"id": f"ref_{i}", "type": "function", "function": {"name": c["name"], "arguments": json.dumps(c.get("args", {}))}}
        for i, c in enumerate(calls)
    ]}


def reference_trajectory(turns: Sequence[str], calls_per_turn: Sequence[Sequence[dict]]) -> list[dict[str, Any]]:
    """The reference conversation in OpenAI message format: per turn the user message, one assistant message with
    the turn's expected calls and their tool results (when it has calls), and the answer."""
    messages: list[dict[str, Any]] = []
    for text, calls in zip(turns, calls_per_turn):
        messages.append({"role": "user", "content": text})
        if calls:
            messages.append(assistant_calls(calls))
            messages += [{"role": "tool", "content": "", "tool_call_id": f"ref_{i}"} for i in range(len(calls))]
        messages.append({"role": "assistant", "content": "(answer)"})
    return messages


def _match(mode: str, outputs: Sequence[Any], reference: Sequence[dict], args_mode: str, overrides: dict | None) -> bool:
    evaluator = create_trajectory_match_evaluator(trajectory_match_mode=mode, tool_args_match_mode=args_mode,  # type: ignore[arg-type]
                                                  tool_args_match_overrides=overrides)
    return bool(evaluator(outputs=list(outputs), reference_outputs=list(reference))["score"])


def calls_made_with_args(outputs: Sequence[BaseMessage] | Sequence[dict], reference: Sequence[dict],
                         tool_names: Iterable[str]) -> bool:
    """agentevals' superset match with argument matching: every reference call was made, with the reference's
    arguments (``arg_overrides``: only the arguments the reference lists count)."""
    return _match("superset", outputs, reference, "superset", arg_overrides(tool_names))


def trajectory_match(outputs: Sequence[BaseMessage] | Sequence[dict], reference: Sequence[dict],
                     tool_names: Iterable[str]) -> dict[str, bool]:
    """``{mode: the tools called match the reference's}`` for each of agentevals' ``MATCH_MODES`` (tool names only:
    in the unordered and subset modes agentevals also compares arguments from the output's side, where a reference
    that lists only some arguments cannot match), plus ``superset_args``: ``calls_made_with_args``."""
    result = {mode: _match(mode, outputs, reference, "ignore", None) for mode in MATCH_MODES}
    result["superset_args"] = calls_made_with_args(outputs, reference, tool_names)
    return result


# --- LLM-as-judge --------------------------------------------------------------------------------------------------

GROUNDED_PROMPT = """You grade one conversation of Creator Cortex, an assistant for YouTube creators that must answer from
its tools' results (scores, real videos, channel numbers) and never invent them.

<conversation>
{outputs}
</conversation>

Is the assistant's last answer grounded in the tool results shown in the conversation (every number, video, title and
score it gives appears there) and responsive to the creator's last message? A clarifying question counts as responsive
when the request was unclear."""

PAIRWISE_PROMPT = """A YouTube creator sent these messages to an assistant:

<messages>
{inputs}
</messages>

Two versions of the assistant answered the last message.

<answer_a>
{answer_a}
</answer_a>

<answer_b>
{answer_b}
</answer_b>

Which answer serves the creator better: correct, grounded in real data rather than invented, concise, and ending with a
concrete next step? Judge the content, not the length or the order of the answers. Say A, B, or tie."""


class PairwiseVerdict(BaseModel):
    """The pairwise judge's answer."""

    reasoning: str = Field(description="One or two sentences: why.")
    preferred: Literal["A", "B", "tie"] = Field(description="The better answer, or tie.")


def judge_model(settings: Settings | None = None) -> BaseChatModel | None:
    """The fast tier's LLM as judge when a model is configured (an API key is set), else None: LLM judges never run
    on the offline engine."""
    settings = settings or get_settings()
    if not settings.llm_configured:
        return None
    from agent.models import chat_model

    return chat_model("fast", settings, engine="llm")


def grounded_judge(model: BaseChatModel) -> Callable[..., Awaitable[dict]]:
    """openevals judge: ``await judge(outputs=conversation_text)`` -> ``{"key": "grounded", "score": bool,
    "comment": reasoning}``."""
    return create_async_llm_as_judge(prompt=GROUNDED_PROMPT, judge=model, feedback_key="grounded")


def pairwise_judge(model: BaseChatModel) -> Callable[..., Awaitable[dict]]:
    """openevals judge: ``await judge(inputs=..., answer_a=..., answer_b=...)`` -> ``{"reasoning", "preferred"}``."""
    return create_async_llm_as_judge(prompt=PAIRWISE_PROMPT, judge=model, output_schema=PairwiseVerdict)


async def pairwise(judge: Callable[..., Awaitable[Any]], inputs: str, x: str, y: str) -> dict[str, Any]:
    """Compare answers ``x`` and ``y`` in both orders: ``{"winner": "x" | "y" | "tie", "x_first": verdict with x as A,
    "y_first": verdict with y as A}``. A side wins only when the judge prefers it in both orders."""

    def preferred(verdict: Any) -> str:
        return (verdict.preferred if isinstance(verdict, PairwiseVerdict) else verdict["preferred"])

    x_first = preferred(await judge(inputs=inputs, answer_a=x, answer_b=y))
    y_first = preferred(await judge(inputs=inputs, answer_a=y, answer_b=x))
    winner = "x" if (x_first, y_first) == ("A", "B") else "y" if (x_first, y_first) == ("B", "A") else "tie"
    return {"winner": winner, "x_first": x_first, "y_first": y_first}
