"""Creator enrichment and the creator-search batch job (storage in ``memory.creators``).

- **Enrichment** (``enrich_creators``): primary niche, up to two secondary niches, content style and a one-line
  summary per creator. Offline: cosine similarity of the account vectors to each niche's description
  (``memory.niches.CREATOR_NICHES``) plus ``CATEGORY_PRIOR`` for the niches the source's own category names
  (``memory.niches.SOURCE_CATEGORY_NICHES``); the style from the uploads (Shorts share, durations) and cue words;
  the summary from the facts. With an LLM: the fast tier, ``BATCH`` creators per call, answers constrained to a
  JSON schema (``tools.creators.prompts``).
- **The batch job** (``build_creator_index``, ``cortex enrich-creators``; never in the search path): load the
  creator tables, embed bios and content, resolve identities (``tools.creators.identity``), enrich, and refresh
  the search index.
"""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from psycopg_pool import AsyncConnectionPool

from agent.embeddings import Embedder, get_creator_embedder
from agent.models import chat_model
from agent.settings import Settings
from memory.creators.search import refresh_search_index
from memory.creators.store import (
    Enrichment,
    LoadReport,
    account_content,
    creators_to_enrich,
    load_creators,
    store_enrichment,
)
from memory.creators.vectors import creator_vector_table, embed_accounts
from memory.niches import CREATOR_NICHES, SOURCE_CATEGORY_NICHES, niche_texts
from tools.creators.audience import audience
from tools.creators.identity import ResolutionReport, resolve_identities
from tools.creators.prompts import LLM_PROMPT, CreatorProfiles

Progress = Callable[[str, int, int], None]
"""A progress callback: (what is being done, items done, items in all)."""

CATEGORY_PRIOR = 0.12
"""Added to the cosine score of the niches a source category names (MiniLM cosines of a bio to the niche
descriptions spread over ~0.1-0.5, so the category decides between close niches, not against clear text)."""
SECONDARY_WITHIN = 0.06
"""A niche is secondary when its score is within this of the primary's (and at least SECONDARY_FLOOR)."""
SECONDARY_FLOOR = 0.25
"""The lowest score a secondary niche may have."""

STYLE_CUES: dict[str, tuple[str, ...]] = {
    "tutorials": ("tutorial", "how to", "learn", "course", "lesson", "step by step", "guide"),
    "explainers": ("explain", "explained", "explainer", "science of", "documentary", "what is"),
    "reviews": ("review", "reviews", "unboxing", "comparison", "tested"),
    "challenges & experiments": ("challenge", "experiment", "i tried", "built", "world's largest", "24 hours"),
    "vlogs": ("vlog", "day in the life", "my life", "daily"),
    "podcasts & interviews": ("podcast", "interview", "conversation", "episode"),
    "music videos": ("official video", "music video", "lyric", "song", "ft.", "feat"),
    "news": ("news", "breaking", "update", "latest"),
    "gameplay": ("gameplay", "let's play", "minecraft", "fortnite", "gaming"),
}
"""Cue words of content styles, looked for in bios and titles (offline enrichment)."""


def content_style(account: dict, items: Sequence[dict]) -> str:
    """A short content style from the uploads (Shorts share, median length) and cue words in bio and titles."""
    text = " ".join([account.get("bio") or ""] + [i["title"] for i in items]).lower()
    cues = Counter({style: sum(len(re.findall(rf"\b{re.escape(w)}\b", text)) for w in words)
                    for style, words in STYLE_CUES.items()})
    top = [s for s, n in cues.most_common(2) if n >= 2]
    parts: list[str] = []
    videos = [i for i in items if i["kind"] in ("video", "short")]
    if videos:
        shorts = sum(i["kind"] == "short" for i in videos) / len(videos)
        durations = [i["duration_s"] for i in videos if i["kind"] == "video" and i["duration_s"]]
        if shorts >= 0.5:
            parts.append(f"mostly Shorts ({shorts:.0%})")
        elif durations:
            parts.append(f"long-form videos (median {statistics.median(durations) / 60:.0f} min)"
                          + (f", {shorts:.0%} Shorts" if shorts >= 0.1 else ""))
    elif items:
        parts.append("Instagram posts" + (", hashtag-heavy captions" if text.count("#") >= 5 * len(items) else ""))
    parts.extend(top)
    return "; ".join(parts) or ("YouTube videos" if account["platform"] == "youtube" else "Instagram posts")



def summary_line(name: str, accounts: Sequence[dict], niche: str | None) -> str:
    """One line: who, where, how big, and what the bio says first."""
    where = ", ".join(f"{'YouTube' if a['platform'] == 'youtube' else 'Instagram'} ({audience(a)})" for a in accounts)
    country = next((a["country"] for a in accounts if a.get("country")), None)
    bio = next((a["bio"] for a in accounts if a.get("bio")), "")
    first = re.split(r"(?<=[.!?])\s|\n", re.sub(r"\s+", " ", bio).strip())[0] if bio else ""
    first = first if len(first) <= 110 else first[:107].rsplit(" ", 1)[0] + "…"
    head = f"{name}: {niche or 'general'} creator on {where}" + (f", {country}" if country else "")
    return head + (f". {first}" if first else ".")


async def _niche_vectors(embedder: Embedder) -> tuple[list[str], np.ndarray]:
    names = list(CREATOR_NICHES)
    vecs = await asyncio.to_thread(embedder.embed, niche_texts(CREATOR_NICHES))
    return names, vecs


async def _creator_vectors(pool: AsyncConnectionPool, embedder: Embedder,
                           creator_ids: Sequence[str]) -> dict[str, list[np.ndarray]]:
    table = await creator_vector_table(pool, embedder.name)
    if table is None:
        return {}
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""SELECT a.creator_id, v.embedding FROM {table} v JOIN creator_accounts a USING (account_id)
                WHERE a.creator_id = ANY(%s)""", (list(creator_ids),)
        )
        out: dict[str, list[np.ndarray]] = defaultdict(list)
        for r in await cur.fetchall():
            out[r["creator_id"]].append(np.asarray(r["embedding"], dtype=np.float32))
        return out


def niche_scores(vectors: Sequence[np.ndarray], categories: Sequence[str | None], names: Sequence[str],
                 niche_vecs: np.ndarray) -> dict[str, float]:
    """Offline niche scores of one creator: mean cosine of its vectors to each niche description, plus
    CATEGORY_PRIOR for the niches its source categories name (1.0 for those when it has no vector)."""
    scores = np.zeros(len(names), dtype=np.float32)
    if vectors:
        scores += (np.asarray(vectors) @ niche_vecs.T).mean(axis=0)
    prior = np.zeros(len(names), dtype=np.float32)
    for cat in categories:
        for n in SOURCE_CATEGORY_NICHES.get(cat or "", ()):
            prior[names.index(n)] = CATEGORY_PRIOR if vectors else 1.0
    scores += prior
    return {n: round(float(s), 4) for n, s in zip(names, scores, strict=True) if s > 0}


def pick_niches(scores: dict[str, float]) -> tuple[str | None, list[str]]:
    """(primary, secondaries) from niche scores (SECONDARY_WITHIN, SECONDARY_FLOOR, at most 2 secondaries)."""
    if not scores:
        return None, []
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    primary, top = ranked[0]
    second = [n for n, s in ranked[1:3] if s >= top - SECONDARY_WITHIN and s >= SECONDARY_FLOOR]
    return primary, second



BATCH = 20
"""Creators per fast-tier call."""


@dataclass
class EnrichReport:
    """What an enrichment run did."""

    creators: int = 0
    engine: str = ""
    seconds: float = 0.0


async def enrich_creators(pool: AsyncConnectionPool, settings: Settings, embedder: Embedder,
                          engine: Literal["offline", "llm"] = "offline", force: bool = False, model: Any = None,
                          progress: Progress | None = None, creator_ids: Sequence[str] | None = None) -> EnrichReport:
    """Enrich every creator that needs it (never enriched or its accounts changed; all with ``force``; only
    ``creator_ids`` when given).

    ``embedder``: the model of the account vectors (and of the niche descriptions compared with them).
    ``engine='llm'`` uses the fast tier (``agent.models.chat_model('fast')`` of ``settings``, or ``model``: any
    LangChain chat model with structured output), ``BATCH`` creators per call; a creator the model skips or answers
    outside the schema falls back to the offline profile. Returns counts."""
    started = time.perf_counter()
    todo = await creators_to_enrich(pool, force=force, creator_ids=creator_ids)
    names, niche_vecs = await _niche_vectors(embedder)
    vecs = await _creator_vectors(pool, embedder, [c["creator_id"] for c in todo])
    items = await account_content(pool, [a["account_id"] for c in todo for a in c["accounts"]], per_account=50)
    embed_name = embedder.name
    offline: dict[str, Enrichment] = {}
    for c in todo:
        scores = niche_scores(vecs.get(c["creator_id"], []), [a["category"] for a in c["accounts"]], names, niche_vecs)
        primary, second = pick_niches(scores)
        main = c["accounts"][0]
        offline[c["creator_id"]] = Enrichment(
            creator_id=c["creator_id"], primary_niche=primary, secondary_niches=second,
            content_style=content_style(main, items.get(main["account_id"], [])),
            summary=summary_line(c["name"], c["accounts"], primary), niche_scores=scores,
            enriched_by=f"offline:{embed_name}",
        )
    results = dict(offline)
    if engine == "llm" and todo:
        results.update(await _enrich_llm(todo, offline, items, model, settings, progress))
    await store_enrichment(pool, list(results.values()))
    return EnrichReport(creators=len(todo), engine=engine, seconds=time.perf_counter() - started)


async def _enrich_llm(todo: Sequence[dict], offline: dict[str, Enrichment], items: dict[str, list[dict]],
                      model: Any, settings: Settings, progress: Progress | None) -> dict[str, Enrichment]:
    llm = (model or chat_model("fast", settings, engine="llm")).with_structured_output(CreatorProfiles,
                                                                                      method="json_schema")
    label = getattr(model, "model_name", None) or settings.model_fast
    out: dict[str, Enrichment] = {}
    for start in range(0, len(todo), BATCH):
        batch = todo[start : start + BATCH]
        facts = [
            {"creator_id": c["creator_id"], "name": c["name"],
             "accounts": [{"platform": a["platform"], "audience": audience(a), "category": a["category"],
                           "country": a["country"], "bio": (a["bio"] or "")[:400],
                           "recent titles": [i["title"][:100] for i in items.get(a["account_id"], [])[:8]]}
                          for a in c["accounts"]]}
            for c in batch
        ]
        answer: CreatorProfiles = await llm.ainvoke(
            LLM_PROMPT.format(niches=", ".join(CREATOR_NICHES), items=json.dumps(facts, ensure_ascii=False))
        )
        for p in answer.profiles:
            if p.creator_id in offline:
                out[p.creator_id] = Enrichment(
                    creator_id=p.creator_id, primary_niche=p.primary_niche,
                    secondary_niches=[n for n in p.secondary_niches if n != p.primary_niche][:2],
                    content_style=p.content_style, summary=p.summary, niche_scores=offline[p.creator_id].niche_scores,
                    enriched_by=f"llm:{label}",
                )
        if progress:
            progress("enriching creators with the fast tier", min(start + BATCH, len(todo)), len(todo))
    return out


# --- the whole batch job ------------------------------------------------------------------------------------------
@dataclass
class BuildReport:
    """One run of the creator pipeline: load, embed, resolve, enrich, index."""

    load: LoadReport
    vectors: int
    resolution: ResolutionReport
    enrichment: EnrichReport
    indexed: int
    seconds: float

    @property
    def changed(self) -> int:
        """Rows written by any step (0 when a run finds nothing new)."""
        return self.load.changed + self.vectors + self.resolution.changed + self.enrichment.creators + self.indexed


async def build_creator_index(pool: AsyncConnectionPool, data_dir: Path, settings: Settings, embedder: Embedder,
                              engine: Literal["offline", "llm"] = "offline", force: bool = False,
                              progress: Progress | None = None, model: Any = None) -> BuildReport:
    """Load the creator sources under ``data_dir``, embed bios and content with ``embedder`` (and with the creator
    search model, ``agent.embeddings.get_creator_embedder``, when it is another), resolve identities (at
    ``settings.creator_link_threshold``), enrich creators and refresh the search index. Idempotent: every step writes
    only what changed. Raises CreatorDataError for a missing source."""
    started = time.perf_counter()
    load = await load_creators(pool, data_dir)
    vectors = await embed_accounts(pool, embedder, progress=progress)
    searched = get_creator_embedder(settings)
    if searched.name != embedder.name:
        vectors += await embed_accounts(pool, searched, progress=progress)
    resolution = await resolve_identities(pool, embedder, settings.creator_link_threshold)
    enrichment = await enrich_creators(pool, settings, embedder, engine=engine, force=force, model=model,
                                       progress=progress)
    indexed = await refresh_search_index(pool)
    return BuildReport(load, vectors, resolution, enrichment, indexed, time.perf_counter() - started)
