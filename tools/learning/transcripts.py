"""A creator's own transcripts, the material of their Creator DNA (``tools.learning.voice``): their channel's
transcripts in the shared data (``load_channel_videos``: 3Blue1Brown's captions, the auto-captions of the
``youtube_ai_topic_videos`` channels), or the transcripts they pasted or attached in the conversation
(``pasted_transcripts``); ``creator_transcripts`` picks one of the two for learn_voice. Reads files, no database.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from langchain_core.messages import BaseMessage, HumanMessage

from memory.corpus.sources import read_ai_topic_channels
from tools.extract import match_channels
from tools.scripts.parsing import split_message

THREE_BLUE_ONE_BROWN = "3Blue1Brown"
TRANSCRIPT_CHANNELS: tuple[str, ...] = (THREE_BLUE_ONE_BROWN, "Nischa")
"""The channels of the shared data whose transcripts make a voice profile (English): for routing and for asking
the creator. The data also holds the transcripts of three Spanish-language channels (Alex Hawkers, Feid, Tipa),
which ``build_voice_profile`` refuses."""
_3B1B_DIR = Path("transcripts_3blue1brown")
_PER_CHANNEL_DIR = Path("youtube_ai_topic_videos") / "per_channel"


@dataclass(frozen=True)
class ChannelVideo:
    """One video's transcript in the shared data: ``text`` raw (SRT for 3Blue1Brown, plain auto-captions for the
    ``youtube_ai_topic_videos`` channels); ``video_id`` and ``title`` None where the data has none."""

    channel: str
    video_id: str | None
    title: str | None
    text: str


def _3b1b_videos(data_dir: Path) -> list[ChannelVideo]:
    """3Blue1Brown's official captions (``captions.srt``), oldest first (folders are ``<year>_<slug>``)."""
    root = data_dir / _3B1B_DIR
    with (root / "index.csv").open(newline="", encoding="utf-8") as fh:
        index = {r["folder"]: r for r in csv.DictReader(fh)}
    videos = []
    for path in sorted((root / "videos").glob("*/captions.srt")):
        text = path.read_text(encoding="utf-8")
        row = index.get(f"videos/{path.parent.name}", {})
        if text.strip():
            videos.append(
                ChannelVideo(THREE_BLUE_ONE_BROWN, row.get("video_id") or None, row.get("title") or None, text)
            )
    return videos


def _per_channel_videos(data_dir: Path) -> dict[str, list[ChannelVideo]]:
    """The auto-caption transcripts of ``youtube_ai_topic_videos/per_channel/*/df_transcript*.csv`` by channel, oldest
    first. Channel names, titles and publish times come from the channel's uploads as ``memory.corpus.sources`` reads them
    (a transcript file belongs to the channel most of its video ids belong to)."""
    uploads = {r.video_id: r for r in read_ai_topic_channels(data_dir)}
    out: dict[str, list[ChannelVideo]] = {}
    for path in sorted((data_dir / _PER_CHANNEL_DIR).glob("*/df_transcript*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            rows = [r for r in csv.DictReader(fh) if (r.get("transcript") or "").strip()]
        owners = Counter(uploads[r["video_id"]].channel_name for r in rows if r["video_id"] in uploads)
        if not owners:
            continue
        channel = owners.most_common(1)[0][0]
        found = [(uploads.get(r["video_id"]), r) for r in rows]
        dated = sorted(((u, r) for u, r in found if u and u.published_at), key=lambda ur: ur[0].published_at)
        undated = [(u, r) for u, r in found if not (u and u.published_at)]
        out.setdefault(channel, []).extend(
            ChannelVideo(channel, r["video_id"], u.title if u else None, r["transcript"]) for u, r in dated + undated
        )
    return out


def _all_channel_videos(data_dir: Path) -> dict[str, list[ChannelVideo]]:
    data_dir = Path(data_dir)
    if not (data_dir / _3B1B_DIR).is_dir() and not (data_dir / _PER_CHANNEL_DIR).is_dir():
        raise ValueError(
            f"No transcripts under {data_dir}: set CORTEX_DATA_DIR to the shared data folder (with "
            f"{_3B1B_DIR} and {_PER_CHANNEL_DIR})."
        )
    channels: dict[str, list[ChannelVideo]] = {}
    if (data_dir / _3B1B_DIR).is_dir():
        channels[THREE_BLUE_ONE_BROWN] = _3b1b_videos(data_dir)
    if (data_dir / _PER_CHANNEL_DIR).is_dir():
        channels.update(_per_channel_videos(data_dir))
    return channels


def load_channel_videos(data_dir: Path, channel: str) -> list[ChannelVideo]:
    """The transcripts of ``channel`` in the shared data folder (``Settings.data_dir``), oldest first: 3Blue1Brown's
    captions (SRT, with timestamps), or the plain auto-captions of a ``youtube_ai_topic_videos`` channel (Nischa,
    and three Spanish-language channels). ``channel`` is matched case- and space-insensitively
    (``tools.extract.match_channels``: "nischa", "3blue1brown").

    Raises ValueError naming the channels that have transcripts when ``channel`` matches none, and when the folder
    holds no transcripts at all.
    """
    channels = _all_channel_videos(data_dir)
    names = sorted(channels, key=str.lower)
    found = match_channels(channel or "", names)
    if not found:
        raise ValueError(f"No transcripts for “{channel}”. Channels with transcripts: {', '.join(names)}.")
    return channels[found[0]]


def load_channel_transcripts(data_dir: Path, channel: str) -> list[str]:
    """The raw transcripts of ``channel`` (see ``load_channel_videos``), ready for ``build_voice_profile``."""
    return [v.text for v in load_channel_videos(data_dir, channel)]


def pasted_transcripts(messages: list[BaseMessage]) -> list[str]:
    """Every transcript the creator pasted or attached in this conversation, oldest first."""
    found = []
    for m in messages:
        if isinstance(m, HumanMessage) and isinstance(m.content, str):
            _, transcript = split_message(m.content)
            if transcript is not None:
                found.append(transcript)
    return found


@dataclass(frozen=True)
class CreatorTranscripts:
    """The transcripts a Creator DNA is built from: ``texts`` (raw, one per video), ``source`` (what the profile is
    named after: the channel, or "N transcript(s) pasted in the chat") and ``channel`` (the channel's name as the
    data spells it; None for pasted transcripts)."""

    texts: list[str]
    source: str
    channel: str | None


def creator_transcripts(data_dir: Path, channel: str | None, messages: list[BaseMessage]) -> CreatorTranscripts | None:
    """The creator's transcripts: their channel's in the shared data when ``channel`` is given (``data_dir``:
    ``Settings.data_dir``; the name matched to ``TRANSCRIPT_CHANNELS`` when it is one of them), else those pasted in
    ``messages``; None when no channel is given and nothing was pasted. Raises ValueError, naming the channels that
    have transcripts, when ``channel`` has none (``load_channel_videos``). Reads files: call it off the event loop."""
    if channel:
        texts = load_channel_transcripts(data_dir, channel)
        name = next(iter(match_channels(channel, list(TRANSCRIPT_CHANNELS), cutoff=80)), channel)
        return CreatorTranscripts(texts, name, name)
    texts = pasted_transcripts(messages)
    if not texts:
        return None
    return CreatorTranscripts(texts, f"{len(texts)} transcript(s) pasted in the chat", None)
