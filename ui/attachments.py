"""Files attached in the chat: YouTube Studio exports, recognised by their content (the header of a Studio video
export, ``memory.analytics.is_studio_export``), are previewed and, once the creator confirms and names the channel,
imported as their analytics (``tools.analytics.sources.import_studio_export``, as `cortex import-analytics` does);
every other file is read as text and handed to the agent with the message (a transcript: SRT, WebVTT, plain text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import chainlit as cl
from psycopg_pool import AsyncConnectionPool

from memory.analytics import AnalyticsInputError, VideoMetrics, is_studio_export, read_studio_export
from memory.files import NotTextError, decode_text
from tools.analytics.sources import import_studio_export
from tools.analytics.views import fmt

MAX_ATTACHMENT_CHARS = 2_000_000
ASK_TIMEOUT_S = 600
"""How long the import waits for the creator's confirmation and the channel's name."""
PREVIEW_ROWS = 5
DEFAULT_QUESTION = "How did my last 10 videos do?"
"""What is answered after an import when the message asked nothing else."""


def _files(message: cl.Message) -> list[tuple[str, Path]]:
    return [(e.name, Path(e.path)) for e in message.elements or []
            if getattr(e, "path", None) and Path(e.path).is_file()]


@dataclass
class Attachments:
    """A message's attached files, sorted: ``exports`` (name, path) of the YouTube Studio exports; ``text``: every
    other file's text under an '[Attached file: name]' line; ``refusals``: for each file that is not text (an image
    renamed .srt: ``memory.files.decode_text`` tells by content) what to send instead (it is left out of the text)."""

    exports: list[tuple[str, Path]] = field(default_factory=list)
    text: str = ""
    refusals: list[str] = field(default_factory=list)


def read_attachments(message: cl.Message) -> Attachments:
    """Sort the attached files by content (each file's header is read once): Studio exports apart, the rest as text."""
    found = Attachments()
    for name, path in _files(message):
        if is_studio_export(path):
            found.exports.append((name, path))
            continue
        try:
            text = decode_text(path.read_bytes(), name, "the transcript or script as text (.srt, .vtt or .txt)")
        except NotTextError as exc:
            found.refusals.append(str(exc))
            continue
        found.text += f"\n\n[Attached file: {name}]\n{text[:MAX_ATTACHMENT_CHARS]}"
    return found


def preview(name: str, videos: list[VideoMetrics]) -> str:
    """What the export holds, in a creator's words: videos, dates, the measures it has, and its newest rows."""
    has = [label for label, field in (("impressions", "impressions"), ("CTR", "ctr_pct"),
                                      ("AVD", "avd_s"), ("watch time", "watch_time_hours"))
           if any(getattr(v, field) is not None for v in videos)]
    oldest, newest = videos[-1].published_at, videos[0].published_at
    lines = [f"**{name}** is a YouTube Studio export: {len(videos):,} videos published from {oldest:%d %b %Y} to "
             f"{newest:%d %b %Y}, with views{''.join(', ' + h for h in has)}.", "",
             "| published | title | views | impressions | CTR | AVD |", "|---|---|---:|---:|---:|---:|"]
    for v in videos[:PREVIEW_ROWS]:
        title = v.title.replace("|", "\\|")
        lines.append(f"| {v.published_at:%d %b %Y} | {title} | {fmt('views', v.views)} | "
                     f"{fmt('impressions', v.impressions)} | {fmt('ctr_pct', v.ctr_pct)} | {fmt('avd_s', v.avd_s)} |")
    return "\n".join(lines)


async def offer_import(pool: AsyncConnectionPool, creator: str, name: str, path: Path) -> bool:
    """Preview the export, ask to import it (Import / Cancel) and for its channel's name, then import it for
    ``creator``. Returns True when imported; a bad export, a refusal or no answer imports nothing and says so."""
    try:
        videos = read_studio_export(path)
    except AnalyticsInputError as exc:
        await cl.ErrorMessage(content=str(exc)).send()
        return False
    clicked = await cl.AskActionMessage(
        content=preview(name, videos) + "\n\nImport it as your channel's analytics?",
        actions=[cl.Action(name="import", payload={"type": "import"}, label="Import", icon="check"),
                 cl.Action(name="cancel", payload={"type": "cancel"}, label="Cancel", icon="x")],
        timeout=ASK_TIMEOUT_S,
    ).send()
    if not clicked or clicked["payload"].get("type") != "import":
        await cl.Message(content=f"Not imported: {name} was left aside.").send()
        return False
    answer = await cl.AskUserMessage(content="Which channel is this export from? Type its name.",
                                     timeout=ASK_TIMEOUT_S).send()
    channel = (answer or {}).get("output", "").strip()
    if not channel:
        await cl.Message(content=f"No channel name received: {name} was not imported.").send()
        return False
    try:
        report = await import_studio_export(pool, path, creator, channel, videos)
    except AnalyticsInputError as exc:
        await cl.ErrorMessage(content=str(exc)).send()
        return False
    await cl.Message(content=f"Imported {report.videos:,} videos of “{report.channel.name}” into your analytics.").send()
    return True
