"""Creator search, the domain: identity resolution, enrichment and hybrid search over creators
(storage and queries in ``memory.creators``; the tool is ``tools.creators.tool``).

- **Identity resolution** (``resolve_identities``): accounts on different platforms are linked when the evidence
  says they are one creator. Evidence, each with a probability ``p``: the YouTube description names the Instagram
  handle (``bio_link``), the normalised name equals the handle (``name``, stronger for longer names; rapidfuzz
  ratio >= ``FUZZY_MIN`` for near misses), both accounts are large (``scale``: famous names are rarely copied in
  these top-account tables), the source categories agree (``category``), and the description is close in meaning
  to the other account's captions (``description``, cosine of their vectors). The confidence is the noisy-OR
  ``1 - prod(1 - p)`` (Pearl 1988, ch. 4.3), times a penalty when the follower counts differ more than 1000-fold or
  the texts are unrelated. Links at or above ``CORTEX_CREATOR_LINK_THRESHOLD`` merge the accounts into one
  Creator (greedy by confidence, never two accounts of one platform); every candidate link is stored with its
  evidence and a sentence explaining it.
- **Enrichment** (``enrich_creators``): primary niche, up to two secondary niches, content style and a one-line
  summary per creator. Offline: cosine similarity of the account vectors to each niche's description
  (``memory.niches.CREATOR_NICHES``) plus ``CATEGORY_PRIOR`` for the niches the source's own category names
  (``memory.niches.SOURCE_CATEGORY_NICHES``); the style from the uploads (Shorts share, durations) and cue words;
  the summary from the facts. With an LLM: the fast tier, ``BATCH`` creators per call, answers constrained to a
  JSON schema. A batch job (``cortex enrich-creators``), never in the search path.
- **Search** (``search``): hard filters (platform, niche, followers, country, engagement), keyword candidates
  (Postgres full-text over names, handles, niches, bios and content titles) and semantic candidates (pgvector over
  bio and content vectors), fused by a convex combination of min-max normalised scores plus quality signals
  (within-platform percentiles of engagement and activity), weights in settings (``CORTEX_CREATOR_W_*``).
  Convex combination rather than reciprocal-rank fusion: Bruch, Gai & Ingber 2023 ("An Analysis of Fusion
  Functions for Hybrid Retrieval", ACM TOIS) find it at least as good once tuned, and its scores explain
  themselves. Each result says why it matched.
"""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field
from psycopg_pool import AsyncConnectionPool
from rapidfuzz import fuzz

from agent.embeddings import get_embedder
from agent.settings import Settings, get_settings
from memory.creators.identity import IdentityLink, creator_links_of, store_resolution
from memory.creators.search import (
    CreatorFilters,
    candidate_details,
    find_account_by_name,
    keyword_candidates,
    refresh_search_index,
    semantic_candidates,
)
from memory.creators.sources import name_key
from memory.creators.store import (
    Enrichment,
    LoadReport,
    account_content,
    creators_to_enrich,
    fetch_accounts,
    load_creators,
    store_enrichment,
)
from memory.creators.vectors import account_vectors, creator_vector_table, embed_accounts
from memory.niches import CREATOR_NICHES, SOURCE_CATEGORY_NICHES, niche_texts

Progress = Callable[[str, int, int], None]

# --- niches -----------------------------------------------------------------------------------------------------
CATEGORY_PRIOR = 0.12
"""Added to the cosine score of the niches a source category names (MiniLM cosines of a bio to the niche
descriptions spread over ~0.1-0.5, so the category decides between close niches, not against clear text)."""
SECONDARY_WITHIN = 0.06
"""A niche is secondary when its score is within this of the primary's (and at least SECONDARY_FLOOR)."""
SECONDARY_FLOOR = 0.25


# --- identity resolution ---------------------------------------------------------------------------------------
FUZZY_MIN = 90
"""rapidfuzz ratio (0-100) from which two different name keys count as a near match."""
MIN_KEY = 4
"""Name keys shorter than this ('ai', 'bts') never match on their own."""


@dataclass
class Evidence:
    """One signal for or against a link: ``p`` the probability it gives that the accounts are one creator
    (or ``factor`` a multiplier < 1 against), with a readable detail."""

    signal: str
    detail: str
    p: float = 0.0
    factor: float = 1.0


def link_confidence(evidence: Sequence[Evidence]) -> float:
    """Noisy-OR of the evidence probabilities times the penalty factors, in [0, 1]."""
    miss = 1.0
    for e in evidence:
        miss *= 1.0 - e.p
    factor = float(np.prod([e.factor for e in evidence])) if evidence else 1.0
    return round((1.0 - miss) * factor, 4)


def name_evidence(yt: dict, ig: dict) -> Evidence | None:
    """Name evidence: the YouTube name (or custom name) against the Instagram handle, as name keys."""
    ig_key = name_key(ig["handle"])
    best, which = 0.0, ""
    for label in ("name", "handle"):
        key = name_key(yt.get(label))
        if len(key) < MIN_KEY or len(ig_key) < MIN_KEY:
            continue
        score = 100.0 if key == ig_key else fuzz.ratio(key, ig_key)
        if score > best:
            best, which = score, yt[label]
    if best == 100.0:
        n = len(ig_key)
        return Evidence("name", f"the name “{which}” equals the handle @{ig['handle']}", p=min(0.87, 0.55 + 0.04 * (n - MIN_KEY)))
    if best >= FUZZY_MIN:
        return Evidence("name", f"the name “{which}” nearly equals the handle @{ig['handle']} (ratio {best:.0f})",
                        p=round(0.5 * (best - 85) / 15, 3))
    return None


def score_link(yt: dict, ig: dict, bio_linked: bool, cosine: float | None) -> tuple[float, list[Evidence]]:
    """Confidence (0..1) that a YouTube and an Instagram account are one creator, with the evidence.

    ``yt``/``ig``: account dicts (name, handle, followers, category); ``bio_linked``: the YouTube description names
    this Instagram handle; ``cosine``: similarity of the YouTube bio vector and the Instagram content vector
    (None when either is missing)."""
    ev: list[Evidence] = []
    if bio_linked:
        ev.append(Evidence("bio_link", f"the YouTube description links instagram @{ig['handle']}", p=0.9))
    if (name := name_evidence(yt, ig)) is not None:
        ev.append(name)
    fy, fi = yt.get("followers") or 0, ig.get("followers") or 0
    if fy >= 1_000_000 and fi >= 1_000_000:
        ev.append(Evidence("scale", f"both accounts are large ({short_count(fy)} subscribers, {short_count(fi)} followers)", p=0.6))
    elif fy and fi and max(fy, fi) / min(fy, fi) > 1000:
        ev.append(Evidence("scale", f"audiences differ {max(fy, fi) / min(fy, fi):,.0f}-fold", factor=0.6))
    yn = set(SOURCE_CATEGORY_NICHES.get(yt.get("category") or "", ()))
    inn = set(SOURCE_CATEGORY_NICHES.get(ig.get("category") or "", ()))
    if yn and inn and yn & inn:
        ev.append(Evidence("category", f"same field ({', '.join(sorted(yn & inn))})", p=0.3))
    if cosine is not None:
        if cosine >= 0.45:
            ev.append(Evidence("description", f"the description matches the captions in meaning (cosine {cosine:.2f})", p=0.5))
        elif cosine < 0.15:
            ev.append(Evidence("description", f"the description and captions are unrelated (cosine {cosine:.2f})", factor=0.7))
    return link_confidence(ev), ev


def explain_link(yt: dict, ig: dict, confidence: float, accepted: bool, evidence: Sequence[Evidence], threshold: float) -> str:
    """One sentence: which accounts, the verdict against the threshold, and the evidence."""
    verdict = "linked" if accepted else "not linked"
    reasons = "; ".join(e.detail for e in evidence) or "no evidence"
    return (f"YouTube “{yt['name']}” and Instagram @{ig['handle']}: {verdict} (confidence {confidence:.2f}, "
            f"threshold {threshold:.2f}): {reasons}.")


@dataclass
class ResolutionReport:
    """What a resolution run found: candidate pairs, accepted links, creators, rows changed."""

    candidates: int = 0
    accepted: int = 0
    creators: int = 0
    multi_platform: int = 0
    changed: int = 0


async def resolve_identities(pool: AsyncConnectionPool, threshold: float | None = None) -> ResolutionReport:
    """Link YouTube and Instagram accounts of the same creator and store creators (rules in the module docstring).

    Candidate pairs: the handles YouTube descriptions name, equal name keys, and near-equal keys (rapidfuzz ratio
    >= FUZZY_MIN) among keys that share their first three characters (blocking). ``threshold`` defaults to
    ``CORTEX_CREATOR_LINK_THRESHOLD``. Idempotent."""
    threshold = get_settings().creator_link_threshold if threshold is None else threshold
    accounts = await fetch_accounts(pool, "account_id, platform, name, handle, followers, category, links, has_vector")
    yts = [a for a in accounts if a["platform"] == "youtube"]
    igs = {name_key(a["handle"]): a for a in accounts if a["platform"] == "instagram"}
    by_prefix: dict[str, list[str]] = defaultdict(list)
    for key in igs:
        if len(key) >= MIN_KEY:
            by_prefix[key[:3]].append(key)
    pairs: dict[tuple[str, str], bool] = {}
    for yt in yts:
        for link in yt["links"]:
            if link["platform"] == "instagram" and name_key(link["handle"]) in igs:
                pairs[(yt["account_id"], igs[name_key(link["handle"])]["account_id"])] = True
        for label in ("name", "handle"):
            key = name_key(yt[label])
            if len(key) < MIN_KEY:
                continue
            for other in by_prefix.get(key[:3], ()):
                if other == key or (abs(len(other) - len(key)) <= 3 and fuzz.ratio(key, other) >= FUZZY_MIN):
                    pairs.setdefault((yt["account_id"], igs[other]["account_id"]), False)
    by_id = {a["account_id"]: a for a in accounts}
    cosines = await _pair_cosines(pool, list(pairs))
    links: list[IdentityLink] = []
    for (ya, ia), linked in sorted(pairs.items()):
        yt, ig = by_id[ya], by_id[ia]
        conf, ev = score_link(yt, ig, linked, cosines.get((ya, ia)))
        accepted = conf >= threshold
        links.append(IdentityLink(ya, ia, conf, accepted, [asdict(e) for e in ev],
                                  explain_link(yt, ig, conf, accepted, ev, threshold)))
    # greedy merge by confidence: one account per platform in a creator
    parent = {a["account_id"]: a["account_id"] for a in accounts}
    platforms = {a["account_id"]: {a["platform"]} for a in accounts}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    report = ResolutionReport(candidates=len(links))
    for link in sorted((l for l in links if l.accepted), key=lambda l: (-l.confidence, l.account_a, l.account_b)):
        ra, rb = root(link.account_a), root(link.account_b)
        if ra != rb and not platforms[ra] & platforms[rb]:
            parent[rb] = ra
            platforms[ra] |= platforms.pop(rb)
            report.accepted += 1
    clusters: dict[str, list[str]] = defaultdict(list)
    for a in accounts:
        clusters[root(a["account_id"])].append(a["account_id"])

    def anchor(cluster: Sequence[str]) -> str:
        """A YouTube account when there is one (its name reads as a name), else the most followed."""
        return min(cluster, key=lambda x: (by_id[x]["platform"] != "youtube", -(by_id[x]["followers"] or 0), x))

    names = {anchor(c): by_id[anchor(c)]["name"] for c in clusters.values()}
    report.creators = len(clusters)
    report.multi_platform = sum(1 for c in clusters.values() if len(c) > 1)
    report.changed = await store_resolution(pool, links, list(clusters.values()), anchor, names)
    return report


async def _pair_cosines(pool: AsyncConnectionPool, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], float]:
    """Cosine of the YouTube bio vector and the Instagram content vector of each pair that has both."""
    table = await creator_vector_table(pool, get_embedder().name)
    if table is None or not pairs:
        return {}
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""SELECT p.a, p.b, 1 - (va.embedding <=> vb.embedding) AS cos
                FROM unnest(%s::text[], %s::text[]) AS p(a, b)
                JOIN {table} va ON va.account_id = p.a AND va.kind = 'bio'
                JOIN {table} vb ON vb.account_id = p.b AND vb.kind = 'content'""",
            ([a for a, _ in pairs], [b for _, b in pairs]),
        )
        return {(r["a"], r["b"]): float(r["cos"]) for r in await cur.fetchall()}


# --- enrichment -------------------------------------------------------------------------------------------------
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


def short_count(n: int | None) -> str:
    """A count as people say it: 18300000 -> '18.3M', 150900 -> '150.9k', None -> 'n/a'."""
    if n is None:
        return "n/a"
    for div, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if n >= div:
            return f"{n / div:.1f}".rstrip("0").rstrip(".") + unit
    return str(n)


def audience(account: dict) -> str:
    """'18.3M subscribers' (YouTube) or '1.2M followers' (Instagram)."""
    unit = "subscribers" if account["platform"] == "youtube" else "followers"
    return f"{short_count(account.get('followers'))} {unit}"


def summary_line(name: str, accounts: Sequence[dict], niche: str | None) -> str:
    """One line: who, where, how big, and what the bio says first."""
    where = ", ".join(f"{'YouTube' if a['platform'] == 'youtube' else 'Instagram'} ({audience(a)})" for a in accounts)
    country = next((a["country"] for a in accounts if a.get("country")), None)
    bio = next((a["bio"] for a in accounts if a.get("bio")), "")
    first = re.split(r"(?<=[.!?])\s|\n", re.sub(r"\s+", " ", bio).strip())[0] if bio else ""
    first = first if len(first) <= 110 else first[:107].rsplit(" ", 1)[0] + "…"
    head = f"{name}: {niche or 'general'} creator on {where}" + (f", {country}" if country else "")
    return head + (f". {first}" if first else ".")


async def _niche_vectors() -> tuple[list[str], np.ndarray]:
    names = list(CREATOR_NICHES)
    vecs = await asyncio.to_thread(get_embedder().embed, niche_texts(CREATOR_NICHES))
    return names, vecs


async def _creator_vectors(pool: AsyncConnectionPool, creator_ids: Sequence[str]) -> dict[str, list[np.ndarray]]:
    table = await creator_vector_table(pool, get_embedder().name)
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


class CreatorProfile(BaseModel):
    """The fast tier's answer for one creator (JSON schema)."""

    creator_id: str
    primary_niche: Literal[tuple(CREATOR_NICHES)]  # type: ignore[valid-type]
    secondary_niches: list[Literal[tuple(CREATOR_NICHES)]] = Field(default_factory=list, max_length=2)  # type: ignore[valid-type]
    content_style: str = Field(description="formats and tone in a few words, e.g. 'long-form science explainers'")
    summary: str = Field(description="one line: who they are and what they make, for a brand or collaborator")


class CreatorProfiles(BaseModel):
    """A batch of creator profiles."""

    profiles: list[CreatorProfile]


BATCH = 20
"""Creators per fast-tier call."""
LLM_PROMPT = (
    "You classify content creators for a creator-search product. For each creator below give the primary niche "
    "and at most two secondary niches (only from the allowed list), the content style in a few words, and a "
    "one-line summary (max 25 words) from the facts given; never invent facts.\nAllowed niches: {niches}\n\n{items}"
)


@dataclass
class EnrichReport:
    """What an enrichment run did."""

    creators: int = 0
    engine: str = ""
    seconds: float = 0.0


async def enrich_creators(pool: AsyncConnectionPool, engine: Literal["offline", "llm"] = "offline", force: bool = False,
                          model: Any = None, progress: Progress | None = None,
                          creator_ids: Sequence[str] | None = None) -> EnrichReport:
    """Enrich every creator that needs it (never enriched or its accounts changed; all with ``force``; only
    ``creator_ids`` when given).

    ``engine='llm'`` uses the fast tier (``agent.models.chat_model('fast')``, or ``model``: any LangChain chat
    model with structured output), ``BATCH`` creators per call; a creator the model skips or answers outside the
    schema falls back to the offline profile. Returns counts."""
    started = time.perf_counter()
    todo = await creators_to_enrich(pool, force=force, creator_ids=creator_ids)
    names, niche_vecs = await _niche_vectors()
    vecs = await _creator_vectors(pool, [c["creator_id"] for c in todo])
    items = await account_content(pool, [a["account_id"] for c in todo for a in c["accounts"]], per_account=50)
    embed_name = get_embedder().name
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
        results.update(await _enrich_llm(todo, offline, items, model, progress))
    await store_enrichment(pool, list(results.values()))
    return EnrichReport(creators=len(todo), engine=engine, seconds=time.perf_counter() - started)


async def _enrich_llm(todo: Sequence[dict], offline: dict[str, Enrichment], items: dict[str, list[dict]],
                      model: Any, progress: Progress | None) -> dict[str, Enrichment]:
    from agent.models import chat_model

    llm = (model or chat_model("fast", engine="llm")).with_structured_output(CreatorProfiles, method="json_schema")
    label = getattr(model, "model_name", None) or get_settings().model_fast
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


async def build_creator_index(pool: AsyncConnectionPool, data_dir: Path, engine: Literal["offline", "llm"] = "offline",
                              force: bool = False, progress: Progress | None = None, model: Any = None) -> BuildReport:
    """Load the creator sources, embed bios and content, resolve identities, enrich creators and refresh the
    search index. Idempotent: every step writes only what changed. Raises CreatorDataError for a missing source."""
    started = time.perf_counter()
    load = await load_creators(pool, data_dir)
    vectors = await embed_accounts(pool, get_embedder(), progress=progress)
    resolution = await resolve_identities(pool)
    enrichment = await enrich_creators(pool, engine=engine, force=force, model=model, progress=progress)
    indexed = await refresh_search_index(pool)
    return BuildReport(load, vectors, resolution, enrichment, indexed, time.perf_counter() - started)


# --- search --------------------------------------------------------------------------------------------------------
Mode = Literal["hybrid", "keyword", "semantic"]
CANDIDATES = 100
"""Candidates taken from each retriever before fusion."""


@dataclass(frozen=True)
class FusionWeights:
    """Weights of the fused score: keyword, semantic, engagement percentile, activity percentile."""

    keyword: float
    semantic: float
    engagement: float
    activity: float

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> FusionWeights:
        """The weights of ``CORTEX_CREATOR_W_KEYWORD`` / ``_SEMANTIC`` / ``_ENGAGEMENT`` / ``_ACTIVITY``."""
        s = settings or get_settings()
        return cls(s.creator_w_keyword, s.creator_w_semantic, s.creator_w_engagement, s.creator_w_activity)


@dataclass
class CreatorQuery:
    """A search: free text, filters, and an example creator ('like Veritasium')."""

    text: str = ""
    filters: CreatorFilters = field(default_factory=CreatorFilters)
    similar_to: str | None = None
    smaller_than_example: bool = False
    larger_than_example: bool = False


@dataclass
class CreatorHit:
    """One ranked creator with the account that matched and why."""

    creator_id: str
    name: str
    platform: str
    handle: str | None
    followers: int | None
    country: str | None
    niche: str | None
    secondary_niches: list[str]
    summary: str | None
    score: float
    reasons: list[str]
    also_on: list[str]
    account_id: str
    components: dict[str, float]


@dataclass
class SearchResult:
    """Hits best first, the filters applied (example creator resolved) and the retrieval plan used."""

    hits: list[CreatorHit]
    filters: dict[str, Any]
    example: dict | None
    plan: dict[str, Any]


async def search(pool: AsyncConnectionPool, query: CreatorQuery, limit: int = 10, mode: Mode = "hybrid",
                 weights: FusionWeights | None = None) -> SearchResult:
    """Ranked creators for a query (module docstring). Raises ValueError naming what to fix when the example
    creator is unknown or a filter is invalid (an unknown platform or niche, min > max)."""
    weights = weights or FusionWeights.from_settings()
    f = query.filters
    if f.niche and f.niche not in CREATOR_NICHES:
        raise ValueError(f"Unknown niche {f.niche!r}. Niches: {', '.join(CREATOR_NICHES)}.")
    example = None
    embedder = get_embedder()
    table = await creator_vector_table(pool, embedder.name)
    example_vecs: list[np.ndarray] = []
    if query.similar_to:
        example = await find_account_by_name(pool, query.similar_to)
        if example is None:
            raise ValueError(f"No creator named {query.similar_to!r} in the data; give a channel name or Instagram handle.")
        f = CreatorFilters(**{**asdict(f), "exclude_creators": (*f.exclude_creators, example["creator_id"])})
        if query.smaller_than_example and example["followers"]:
            f = CreatorFilters(**{**asdict(f), "max_followers": min(f.max_followers or example["followers"], example["followers"])})
        if query.larger_than_example and example["followers"]:
            f = CreatorFilters(**{**asdict(f), "min_followers": max(f.min_followers or 0, example["followers"] + 1)})
        if table:
            example_vecs = await account_vectors(pool, table, example["creator_id"])
    if f.min_followers is not None and f.max_followers is not None and f.min_followers >= f.max_followers:
        raise ValueError(f"The follower range is empty (at least {f.min_followers:,} and under {f.max_followers:,}).")
    # the keyword query runs in Postgres while the query is embedded (and then searched by vector) here
    keyword = (asyncio.create_task(keyword_candidates(pool, query.text, f, CANDIDATES))
               if mode != "semantic" and query.text.strip() else None)
    vector = None
    t0 = time.perf_counter()
    if table and (query.text.strip() or example_vecs) and mode != "keyword":
        parts = []
        if query.text.strip():
            parts.append(await asyncio.to_thread(embedder.embed_one, query.text))
        if example_vecs:
            ex = np.mean(example_vecs, axis=0)
            parts.append(ex / max(float(np.linalg.norm(ex)), 1e-12))
        vector = np.mean(parts, axis=0)
        vector = (vector / max(float(np.linalg.norm(vector)), 1e-12)).astype(np.float32)
    plan: dict[str, Any] = {"embed_ms": round((time.perf_counter() - t0) * 1000, 1)}
    sem_rows: list[dict] = []
    if mode != "keyword" and vector is not None:
        sem_rows, plan["semantic"] = await semantic_candidates(pool, table, vector, f, CANDIDATES)
    kw_rows: list[dict] = await keyword if keyword else []
    ids = list(dict.fromkeys([r["account_id"] for r in kw_rows] + [r["account_id"] for r in sem_rows]))
    if not ids and not query.text.strip() and vector is None:
        ids = [r["account_id"] for r in await _browse(pool, f, CANDIDATES)]
        plan["browse"] = True
    plan.update(keyword_candidates=len(kw_rows), semantic_candidates=len(sem_rows))
    details = await candidate_details(pool, table, ids, query.text, vector) if ids else []
    hits = _fuse(details, mode, weights, query, example)
    hits = await _with_links(pool, hits[:limit])
    shown = {k: v for k, v in asdict(f).items() if v not in (None, ())}
    return SearchResult(hits=hits, filters=shown, example=example, plan=plan)


async def _browse(pool: AsyncConnectionPool, f: CreatorFilters, limit: int) -> list[dict]:
    """Filters only (no words, no example): the most engaged, then most followed accounts that pass."""
    where, params = f.sql()
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""SELECT account_id FROM creator_accounts a WHERE {where}
                ORDER BY engagement_pct DESC NULLS LAST, followers DESC NULLS LAST LIMIT {int(limit)}""",
            params,
        )
        return await cur.fetchall()


def _norm(values: dict[str, float]) -> dict[str, float]:
    """Min-max normalisation to [0, 1] (all equal -> 1)."""
    if not values:
        return {}
    lo, hi = min(values.values()), max(values.values())
    return {k: (v - lo) / (hi - lo) if hi > lo else 1.0 for k, v in values.items()}


def _fuse(details: Sequence[dict], mode: Mode, w: FusionWeights, query: CreatorQuery, example: dict | None) -> list[CreatorHit]:
    kw = {d["account_id"]: float(d["kw"]) for d in details if d["kw"] and float(d["kw"]) > 0}
    sem = {d["account_id"]: max(x for x in (d["sem_bio"], d["sem_content"]) if x is not None)
           for d in details if d["sem_bio"] is not None or d["sem_content"] is not None}
    kw_max = max(kw.values(), default=0.0)
    kw_n = {k: v / kw_max for k, v in kw.items()} if kw_max else {}
    sem_n = _norm(sem)
    best: dict[str, CreatorHit] = {}
    for d in details:
        a = d["account_id"]
        eng = d["engagement_pct"] if d["engagement_pct"] is not None else 0.5
        act = d["activity_pct"] if d["activity_pct"] is not None else 0.5
        comp = {"keyword": round(kw_n.get(a, 0.0), 4), "semantic": round(sem_n.get(a, 0.0), 4),
                "engagement": round(eng, 4), "activity": round(act, 4)}
        if mode == "keyword":
            score = kw.get(a, 0.0)
        elif mode == "semantic":
            score = sem.get(a, -1.0)
        else:
            score = (w.keyword * comp["keyword"] + w.semantic * comp["semantic"] + w.engagement * eng + w.activity * act)
        if (mode == "keyword" and a not in kw) or (mode == "semantic" and a not in sem):
            continue
        cid = d["creator_id"] or a
        if cid in best and best[cid].score >= score:
            continue
        best[cid] = CreatorHit(
            creator_id=cid, name=d["creator_name"] or d["name"], platform=d["platform"], handle=d["handle"],
            followers=d["followers"], country=d["country"], niche=d["primary_niche"],
            secondary_niches=list(d["secondary_niches"] or []), summary=d["summary"], score=round(score, 4),
            reasons=_reasons(d, query, example, kw.get(a), sem, comp), also_on=[], account_id=a, components=comp,
        )
    return sorted(best.values(), key=lambda h: (-h.score, -(h.followers or 0), h.creator_id))


def _reasons(d: dict, query: CreatorQuery, example: dict | None, kw: float | None, sem: dict[str, float],
             comp: dict[str, float]) -> list[str]:
    out: list[str] = []
    if kw:
        words = list(d["matched"] or [])
        if words:
            out.append("mentions " + ", ".join(f"“{w}”" for w in words) + " in its name, niches, bio or titles")
    if d["account_id"] in sem:
        kind = "bio is" if (d["sem_bio"] or -1) >= (d["sem_content"] or -1) else (
            "uploads are" if d["platform"] == "youtube" else "posts are")
        target = f"{example['name']}'s profile" if example and not query.text.strip() else (
            f"your request and {example['name']}'s profile" if example else "your request")
        out.append(f"its {kind} close in meaning to {target} (cosine {sem[d['account_id']]:.2f})")
    if d["primary_niche"]:
        niches = [d["primary_niche"], *(d["secondary_niches"] or [])]
        mark = " (your niche)" if query.filters.niche in niches else ""
        out.append(f"niche: {', '.join(niches)}{mark}")
    size = audience(d)
    if example and example["followers"] and d["followers"] is not None:
        rel = "smaller than" if d["followers"] < example["followers"] else "larger than"
        size += f", {rel} {example['name']} ({short_count(example['followers'])})"
    out.append(f"{'YouTube' if d['platform'] == 'youtube' else 'Instagram'}: {size}" + (f", {d['country']}" if d["country"] else ""))
    if d["engagement_rate"] is not None:
        out.append(f"engagement {d['engagement_rate']:.2%} ({d['engagement_basis']}; top {100 - 100 * comp['engagement']:.0f}% on "
                   f"{'YouTube' if d['platform'] == 'youtube' else 'Instagram'})")
    if d["activity"] is not None:
        act = (f"{d['activity']:.1f} uploads a month" if d["platform"] == "youtube" else f"{d['activity']:,.0f} posts")
        out.append(f"activity: {act} (top {100 - 100 * comp['activity']:.0f}%)")
    return out


async def _with_links(pool: AsyncConnectionPool, hits: list[CreatorHit]) -> list[CreatorHit]:
    """Fill ``also_on`` with each creator's linked accounts and the link's confidence."""
    if not hits:
        return hits
    links = await creator_links_of(pool, [h.account_id for h in hits])
    for h in hits:
        for l in links:
            if h.account_id not in (l["account_a"], l["account_b"]):
                continue
            side = "b" if l["account_a"] == h.account_id else "a"
            label = "Instagram @" + (l[f"handle_{side}"] or l[f"name_{side}"]) if l[f"platform_{side}"] == "instagram" \
                else "YouTube “" + l[f"name_{side}"] + "”"
            h.also_on.append(f"{label} (identity link confidence {l['confidence']:.2f})")
            h.reasons.append(f"also on {label}: {l['explanation'].split(': ', 1)[-1]}")
    return hits
