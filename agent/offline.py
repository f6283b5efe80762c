"""The offline engine: a LangChain chat model that needs no API key.

- **Intent**: a trained model (``agent.intent``: MiniLM sentence embedding and character n-grams of the message with
  its payload masked, logistic regression, calibrated) reads what the message asks for: a tool, a follow-up to the
  previous request, or a message no tool answers (greeting, thanks, "what can you do?", general advice, off-topic,
  too vague). Below the abstention threshold (``threshold``, default the one fitted on the training set's dev split)
  the engine asks one short question offering the two likeliest actions, in a creator's words.
- **Two requests in one message** ("score X and find outliers about Y") become two tool calls: the message is split at
  its joins and each part classified; parts that confidently ask for different tools each get a call.
- **Dialogue state** (from the thread's messages): a follow-up ("narrow it to Shorts", "same thing for Mark Rober",
  "and on Instagram?") calls the previous tool again with its arguments changed by the follow-up's; a request for
  the same tool as before that misses what it needs takes it from that call; references to shown items ("rate number
  3", "going with number 2") are the tool's to resolve (``OfflineSpec.resolve``).
- Pasted material (a transcript) is claimed by the tools that handle it (``OfflineSpec.claim``): only they compete,
  on the request's own words, and the first claiming tool in routing order takes a bare paste.
- Tools that cannot apply to the conversation yet (``OfflineSpec.applies``) do not compete.
- Questions about the last result ("which of those did best?", "why did #2 work?") are answered from it (the tool's
  ``OfflineSpec.items``), without a new call; "shorten them" reworks what was shown (``OfflineSpec.refine``); a topic
  stated earlier ("I'm making a video about compound interest") fills a later request that needs one
  (``OfflineSpec.topic_arg``); see ``agent.dialogue``.
- Arguments come from the tool's own extractor (``OfflineSpec.extract``, given the run's context so it can look up
  channel names without a global database); a call that still misses what it needs gets the tool's question.
- Small talk and out-of-scope messages get short replies in a person's words (``agent.smalltalk``); no tool's
  internal name appears in anything the engine writes.
- Answers are written from the tool results (their markdown content), never invented; streamed token by token.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.tools import BaseTool
from langgraph.runtime import get_runtime
from pydantic import Field, ValidationError

from agent import smalltalk
from agent.dialogue import ShownItem, answer_about, result_question, stated_topic
from agent.intent import QUOTED, get_intent_model

Extractor = Callable[[str, Any], Awaitable[dict[str, Any]]]
"""``async (text, context) -> args``: a tool's arguments from a request; ``context`` is the run's context
(``tools.base.CortexContext``: channel names, the database), passed through untouched by the engine."""
Claim = Callable[[str], str | None]
Applies = Callable[[list[BaseMessage]], bool]
Resolve = Callable[[str, dict[str, Any], list[BaseMessage]], dict[str, Any] | None]
"""``(text, args, messages) -> args | None``: the extracted arguments completed from the conversation (a shown title
named by its number, the transcript pasted earlier), or None when the call cannot run yet (the engine asks)."""
Items = Callable[[Any], list[ShownItem]]
"""``(artifact) -> items``: the numbered items a tool result showed (``agent.dialogue.ShownItem``), from its artifact."""
Refine = Callable[[str, list[BaseMessage]], dict[str, Any] | None]
"""``(text, messages) -> args | None``: the arguments of a new call that reworks what the tool showed last ("shorten
them", "make number 3 punchier"), or None when the message asks no such thing (or nothing was shown)."""

FOLLOWUP = "followup"
NONE_PREFIX = "none."


@dataclass(frozen=True)
class OfflineSpec:
    """How the offline engine reaches a tool (``tools.base.cortex_tool`` attaches it as ``metadata["offline"]``):

    - ``examples``: requests a creator can send as they are (the greeting and the help text show them; routing
      learns from the training set, ``agent.intent``);
    - ``extract``: the ``Extractor`` that pulls the tool's arguments out of a request;
    - ``ask``: the clarifying question when a required argument is missing;
    - ``action``: what the tool does in a creator's words, completing "do you want me to ..." ("score a title");
    - ``claim`` (optional): ``(text) -> str | None`` for pasted material the tool handles (a transcript): the
      request's own words when the message carries such material, else None;
    - ``applies`` (optional): ``(messages) -> bool``, whether the tool can apply to the conversation so far
      (feedback on generated titles needs generated titles); the engine leaves it out of routing when it cannot;
    - ``resolve`` (optional): the ``Resolve`` that completes the arguments from the conversation;
    - ``topic_arg`` (optional): the argument a topic fills ("query"): when a request gives none, the topic the
      conversation is about (``agent.dialogue.stated_topic``, or a topic an earlier call used) fills it;
    - ``channel_arg`` (optional): the argument naming the creator's own channel ("channel"): when a request names
      none, the channel an earlier call of a tool with the same ``channel_arg`` used fills it (an idea checked "for my
      channel Nischa", then "write hooks for it" writes them in Nischa's voice);
    - ``items`` (optional): the ``Items`` of the tool's results, so questions about them ("which of those did best?",
      "why did #2 work?") are answered from the last result, without a new call;
    - ``refine`` (optional): the ``Refine`` that turns "shorten them" into a new call on what the tool showed.
    """

    examples: tuple[str, ...]
    extract: Extractor
    ask: str
    action: str = ""
    claim: Claim | None = None
    applies: Applies | None = None
    resolve: Resolve | None = None
    topic_arg: str | None = None
    channel_arg: str | None = None
    items: Items | None = None
    refine: Refine | None = None


def offline_spec(tool: BaseTool) -> OfflineSpec | None:
    """The offline spec of a tool built with ``tools.base.cortex_tool`` (None for other tools)."""
    return (tool.metadata or {}).get("offline")


def run_context() -> Any:
    """The context of the graph run this call is part of (None outside a run, e.g. a unit test)."""
    try:
        return get_runtime().context
    except RuntimeError:
        return None


def message_text(message: BaseMessage) -> str:
    """The plain text of a message whose content is a string or a list of content parts."""
    if isinstance(message.content, str):
        return message.content
    return "\n".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in message.content)


_JOIN = re.compile(
    r"\s*(?:[,;.]?\s+and then\s+|[,;.]?\s+then\s+|[;]\s*|[,.]?\s+and also\s+|[,.]?\s+(?:and|&|\+|also)\s+(?=(?:"
    r"score|rate|grade|check|compare|find|show|search|look|get|pull|give|write|make|generate|suggest|analy[sz]e|"
    r"tell|list|learn|save|forget)\b))",
    re.IGNORECASE,
)


def split_requests(text: str) -> list[str]:
    """The parts of a message that may hold several requests, split at joins ("and then", ", then", "; ", "and"
    before a verb such as score / find / write), never inside a quoted title."""
    quoted = [m.span() for m in QUOTED.finditer(text)]
    parts, start = [], 0
    for m in _JOIN.finditer(text):
        if any(a <= m.start() < b for a, b in quoted):
            continue
        parts.append(text[start:m.start()])
        start = m.end()
    parts.append(text[start:])
    return [p.strip(" ,.;") for p in parts if p.strip(" ,.;")]


def last_call(messages: Sequence[BaseMessage], names: set[str]) -> dict[str, Any] | None:
    """The latest tool call in the conversation to one of ``names``."""
    for m in reversed(messages):
        if isinstance(m, AIMessage):
            for call in reversed(m.tool_calls):
                if call["name"] in names:
                    return call
    return None


async def _channel_names(context: Any) -> list[str]:
    names = getattr(context, "channel_names", None)
    if not callable(names):
        return []
    try:
        return list(await names())
    except Exception:  # no database reachable: route without masking channel names
        return []


class OfflineEngine(BaseChatModel):
    """Chat model that routes with a trained intent model and answers from tool results."""

    threshold: float | None = None
    """Minimum calibrated probability to act on an intent; None: the model's fitted threshold."""
    tools: list[BaseTool] = Field(default_factory=list)
    context: Any = None
    """The run context given to extractors; None: the context of the graph run the engine is called in."""

    @property
    def _llm_type(self) -> str:
        return "cortex-offline"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        """What callbacks and tracing (Langfuse, LangSmith) record as the model: the engine's name."""
        return {"model_name": "cortex-offline"}

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> OfflineEngine:  # type: ignore[override]
        """A copy of the engine that routes to ``tools`` (LangChain BaseTool objects built by cortex_tool)."""
        return self.model_copy(update={"tools": [t for t in tools if isinstance(t, BaseTool)]})

    # --- routing ---------------------------------------------------------------------------------------
    def applicable(self, messages: Sequence[BaseMessage]) -> list[BaseTool]:
        """The tools that apply to this conversation: a tool whose offline spec has ``applies`` (e.g. feedback on
        generated titles needs generated titles in the thread) is left out when it does not hold."""
        return [t for t in self.tools if not (spec := offline_spec(t)) or spec.applies is None or spec.applies(messages)]

    def cutoff(self) -> float:
        """The abstention threshold in use (``threshold``, else the fitted one)."""
        return self.threshold if self.threshold is not None else get_intent_model().threshold

    def intents(self, texts: Sequence[str], allowed: set[str], mentions: Sequence[str] = ()) -> list[list[tuple[str, float]]]:
        """Per text, (label, probability), best first, over the ``allowed`` labels (renormalised): tool names,
        ``followup`` and ``none.<kind>``. One batch through the model."""
        model = get_intent_model()
        out = []
        for row in model.probabilities(texts, mentions):
            probs = {k: float(v) for k, v in zip(model.labels, row) if k in allowed}
            total = sum(probs.values()) or 1.0
            out.append([(k, v / total) for k, v in sorted(probs.items(), key=lambda kv: -kv[1])])
        return out

    def _action(self, name: str) -> str:
        tool = next((t for t in self.tools if t.name == name), None)
        spec = offline_spec(tool) if tool else None
        return spec.action if spec and spec.action else ""

    def _actions(self) -> list[str]:
        return [a for t in self.tools if (a := self._action(t.name))]

    def _examples(self) -> list[str]:
        """One example request per tool that needs no pasted material, in routing order."""
        return [spec.examples[0] for t in self.tools if (spec := offline_spec(t)) and spec.examples and not spec.claim]

    def _clarify(self, ranked: Sequence[tuple[str, float]]) -> str:
        options = [a for label, _ in ranked if (a := self._action(label))][:2]
        return smalltalk.clarify(options)

    def _small_talk(self, kind: str, text: str, ranked: Sequence[tuple[str, float]]) -> str:
        if kind == "greeting":
            return smalltalk.greeting(self._examples())
        if kind == "thanks":
            return smalltalk.thanks()
        if kind == "help":
            return smalltalk.help_text(self._actions(), self._examples())
        if kind == "advice":
            return smalltalk.advice(text, self._actions())
        if kind == "off_topic":
            return smalltalk.off_topic(self._actions())
        return self._clarify(ranked)

    async def respond(self, messages: list[BaseMessage]) -> AIMessage:
        """The engine's next message: tool calls, a clarifying question, a short reply, or an answer from tool
        results."""
        last = messages[-1] if messages else HumanMessage("")
        if isinstance(last, ToolMessage):
            return AIMessage(self._answer_from_tools(messages), response_metadata={"engine": "offline"})
        text = message_text(last).strip()
        if not text:
            return AIMessage("Send me a message: a title to score, or a topic to find outliers about.")
        context = self.context if self.context is not None else run_context()
        tools = self.applicable(messages)
        names = {t.name for t in tools}
        mentions = await _channel_names(context)
        claims = self._claims(text, tools)
        meta: dict[str, Any] = {"engine": "offline"}
        if not claims and (answer := self._about_results(text, messages)) is not None:
            return AIMessage(answer, response_metadata={**meta, "answered_from": "last result"})
        if not claims and (calls := self._refinements(text, messages, tools)):
            return AIMessage("", tool_calls=calls, response_metadata={**meta, "refines": calls[0]["name"]})
        if claims:
            meta["claimed_by"] = list(claims)
            request = next(iter(claims.values()))
            ranked = (await asyncio.to_thread(self.intents, [request], set(claims), mentions))[0] if request.strip() else []
            plan = [(ranked[0][0] if ranked else next(iter(claims)), text, {})]
            meta["routing"] = ([{"tool": n, "probability": round(p, 3)} for n, p in ranked[:3]]
                               or [{"tool": plan[0][0], "probability": None}])  # a bare paste: the first claim
        else:
            model = await asyncio.to_thread(get_intent_model)  # the first call loads (or fits) it: off the event loop
            allowed = names | {FOLLOWUP} | {label for label in model.labels if label.startswith(NONE_PREFIX)}
            parts = split_requests(text)
            every = await asyncio.to_thread(self.intents, [text, *parts] if len(parts) > 1 else [text], allowed, mentions)
            ranked = every[0]
            meta["routing"] = [{"tool": n, "probability": round(p, 3)} for n, p in ranked[:3]]
            plan_or_reply = self._plan(text, ranked, list(zip(parts, every[1:])), messages, names)
            if isinstance(plan_or_reply, str):
                return AIMessage(plan_or_reply, response_metadata=meta)
            plan = plan_or_reply
        calls, asks = [], []
        for name, part, base in plan:
            tool = next(t for t in self.tools if t.name == name)
            spec = offline_spec(tool)
            args = await self._arguments(spec, part, base, context, messages)
            try:
                if args is None:
                    raise ValueError(name)
                tool.tool_call_schema.model_validate(args)
            except (ValidationError, ValueError):
                asks.append(spec.ask)
                continue
            calls.append({"name": name, "args": args, "id": f"call_{uuid.uuid4().hex[:24]}", "type": "tool_call"})
        if {c["name"] for c in calls} >= {"analyze_script", "generate_titles"}:
            calls = [c for c in calls if c["name"] != "analyze_script"]  # titles include the hooks
        if not calls:
            return AIMessage(asks[0], response_metadata=meta)
        return AIMessage("", tool_calls=calls, response_metadata=meta)

    def _plan(self, text: str, ranked: list[tuple[str, float]], parts: list[tuple[str, list[tuple[str, float]]]],
              messages: Sequence[BaseMessage], names: set[str]) -> list[tuple[str, str, dict]] | str:
        """What to do with a message that claims no pasted material, from its intents (``ranked``) and, when it has
        several parts, each part's: ``[(tool, text for its extractor, arguments to start from)]`` or the reply
        (small talk, a clarifying question)."""
        cutoff = self.cutoff()
        if parts:
            chosen: dict[str, str] = {}
            for part, part_ranked in parts:
                label, p = part_ranked[0]
                if label in names and p >= cutoff:
                    chosen.setdefault(label, part)
            if len(chosen) > 1:
                return [(name, part, {}) for name, part in chosen.items()]
        label, p = ranked[0]
        if label.startswith(NONE_PREFIX):
            return self._small_talk(label.removeprefix(NONE_PREFIX), text, [r for r in ranked if r[0] in names])
        previous = last_call(messages, names)
        if previous is not None and label in (FOLLOWUP, previous["name"]):
            # a follow-up and a new request to the previous tool lead to the same tool: its probability is their sum
            p = sum(q for name, q in ranked if name in (FOLLOWUP, previous["name"]))
        if p < cutoff:
            return self._clarify([r for r in ranked if r[0] in names])
        if label == FOLLOWUP:
            if previous is None:
                return smalltalk.unclear_followup()
            return [(previous["name"], text, dict(previous["args"]))]
        return [(label, text, {})]

    async def _arguments(self, spec: OfflineSpec, text: str, base: dict[str, Any], context: Any,
                         messages: list[BaseMessage]) -> dict[str, Any] | None:
        """The call's arguments: the extractor's, over ``base`` (a follow-up's previous arguments), completed by the
        tool's ``resolve``; when that leaves the call short and the tool was called before in this conversation,
        again over that call's arguments (the topic carries over)."""
        extracted = await spec.extract(text, context)
        args = {**base, **{k: v for k, v in extracted.items() if v not in (None, "", [], {})}}
        done = spec.resolve(text, args, messages) if spec.resolve else args
        if done is None and not base:
            tool = next(t for t in self.tools if offline_spec(t) is spec)
            previous = last_call(messages, {tool.name})
            if previous is not None:
                args = {**previous["args"], **args}
                done = spec.resolve(text, args, messages) if spec.resolve else args
        if done is None and spec.topic_arg and not args.get(spec.topic_arg) and (topic := self._topic(messages)):
            args = {**args, spec.topic_arg: topic}
            done = spec.resolve(text, args, messages) if spec.resolve else args
        if done is not None and spec.channel_arg and not done.get(spec.channel_arg) and (
                channel := self._channel(spec.channel_arg, messages)):
            done = {**done, spec.channel_arg: channel}
        return done

    def _channel(self, arg: str, messages: Sequence[BaseMessage]) -> str:
        """The creator's channel an earlier call in the conversation named (latest first), by a tool whose spec has
        the same ``channel_arg``; "" when none did."""
        for m in reversed(messages):
            for call in reversed(m.tool_calls if isinstance(m, AIMessage) else []):
                tool = next((t for t in self.tools if t.name == call["name"]), None)
                spec = offline_spec(tool) if tool else None
                if spec and spec.channel_arg == arg and isinstance(value := call["args"].get(arg), str) and value:
                    return value
        return ""

    def _topic(self, messages: Sequence[BaseMessage]) -> str:
        """The topic the conversation is about, latest first (the message being answered included): one the creator
        stated ("I'm making a video about compound interest", ``agent.dialogue.stated_topic``) or one an earlier call
        used as its topic argument."""
        for m in reversed(messages):
            if isinstance(m, HumanMessage) and (topic := stated_topic(message_text(m))):
                return topic
            if isinstance(m, AIMessage):
                for call in reversed(m.tool_calls):
                    tool = next((t for t in self.tools if t.name == call["name"]), None)
                    spec = offline_spec(tool) if tool else None
                    if spec and spec.topic_arg and isinstance(value := call["args"].get(spec.topic_arg), str) and value:
                        return value
        return ""

    def _about_results(self, text: str, messages: Sequence[BaseMessage]) -> str | None:
        """The answer to a question about the last result that showed numbered items ("which of those did best?",
        "what was the multiplier of number 3?", "why did #2 work?"), read from the latest result of a tool that lists
        items (saying so when that list was empty); None when the message asks no such question or no such result is
        in the conversation."""
        question = result_question(text)
        if question is None:
            return None
        for m in reversed(messages[:-1]):
            if not isinstance(m, ToolMessage):
                continue
            tool = next((t for t in self.tools if t.name == m.name), None)
            spec = offline_spec(tool) if tool else None
            if spec and spec.items:
                return answer_about(question, spec.items(m.artifact) if m.artifact else [])
        return None

    def _refinements(self, text: str, messages: list[BaseMessage], tools: Sequence[BaseTool]) -> list[dict[str, Any]]:
        """A call that reworks what a tool showed ("shorten them", "make number 3 punchier"), from the first tool whose
        ``refine`` takes the message; empty when none does."""
        for tool in tools:
            spec = offline_spec(tool)
            if spec and spec.refine and (args := spec.refine(text, messages)) is not None:
                try:
                    tool.tool_call_schema.model_validate(args)
                except ValidationError:
                    continue
                return [{"name": tool.name, "args": args, "id": f"call_{uuid.uuid4().hex[:24]}", "type": "tool_call"}]
        return []

    def _claims(self, text: str, tools: Sequence[BaseTool]) -> dict[str, str]:
        """{tool name: the request's own words} of the ``tools`` that claim the message, in routing order."""
        claims = {}
        for tool in tools:
            spec = offline_spec(tool)
            if spec and spec.claim and (request := spec.claim(text)) is not None:
                claims[tool.name] = request
        return claims

    @staticmethod
    def _answer_from_tools(messages: list[BaseMessage]) -> str:
        results: list[ToolMessage] = []
        for m in reversed(messages):
            if isinstance(m, ToolMessage):
                results.append(m)
            else:
                break
        return "\n\n".join(message_text(m) for m in reversed(results))

    # --- LangChain plumbing ----------------------------------------------------------------------------
    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        message = await self.respond(messages)
        if message.tool_calls:
            chunks = [
                {"name": c["name"], "args": json.dumps(c["args"], default=str), "id": c["id"], "index": i}
                for i, c in enumerate(message.tool_calls)
            ]
            yield ChatGenerationChunk(
                message=AIMessageChunk(content="", tool_call_chunks=chunks, response_metadata=message.response_metadata)
            )
            return
        tokens = re.findall(r"\s*\S+", message.content) or [""]
        for i, token in enumerate(tokens):
            meta = message.response_metadata if i == len(tokens) - 1 else {}
            yield ChatGenerationChunk(message=AIMessageChunk(content=token, response_metadata=meta))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        """The whole message at once, as ``_astream``'s chunks add up (a tool call's arguments through JSON, the
        answer without trailing whitespace), without making and adding a chunk per word: a run that streams no
        tokens (``/runs/wait``, stream mode updates) takes this path."""
        message = await self.respond(messages)
        if message.tool_calls:
            calls = [{"name": c["name"], "args": json.loads(json.dumps(c["args"], default=str)), "id": c["id"]}
                     for c in message.tool_calls]
            whole = AIMessage("", tool_calls=calls, response_metadata=message.response_metadata)
        else:
            whole = AIMessage(message.content.rstrip(), response_metadata=message.response_metadata)
        return ChatResult(generations=[ChatGeneration(message=whole)])

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        """Synchronous use (outside an event loop): runs the async path to completion."""
        return asyncio.run(self._agenerate(messages, stop, None, **kwargs))
