"""Cross-platform identity resolution: which YouTube and Instagram accounts are one creator (storage in
``memory.creators``).

Accounts on different platforms are linked when the evidence says they are one creator. Evidence, each with a
probability ``p``: the YouTube description names the Instagram handle (``bio_link``), the normalised name equals the
handle (``name``, stronger for longer names; rapidfuzz ratio >= ``FUZZY_MIN`` for near misses), both accounts are
large (``scale``: famous names are rarely copied in these top-account tables), the source categories agree
(``category``), and the description is close in meaning to the other account's captions (``description``, cosine
of their vectors). The confidence is the noisy-OR ``1 - prod(1 - p)`` (Pearl 1988, ch. 4.3), times a penalty when
the follower counts differ more than 1000-fold or the texts are unrelated. Links at or above the threshold
(``CORTEX_CREATOR_LINK_THRESHOLD``, passed in by the caller) merge the accounts into one Creator (greedy by
confidence, never two accounts of one platform); every candidate link is stored with its evidence and a sentence
explaining it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from psycopg_pool import AsyncConnectionPool
from rapidfuzz import fuzz

from agent.embeddings import Embedder
from memory.creators.identity import IdentityLink, store_resolution
from memory.creators.sources import name_key
from memory.creators.store import fetch_accounts
from memory.creators.vectors import creator_vector_table
from memory.niches import SOURCE_CATEGORY_NICHES
from tools.creators.audience import short_count

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


async def resolve_identities(pool: AsyncConnectionPool, embedder: Embedder, threshold: float) -> ResolutionReport:
    """Link YouTube and Instagram accounts of the same creator and store creators (rules in the module docstring).

    Candidate pairs: the handles YouTube descriptions name, equal name keys, and near-equal keys (rapidfuzz ratio
    >= FUZZY_MIN) among keys that share their first three characters (blocking). ``embedder``: the model whose
    account vectors give the description cosine; ``threshold``: the minimum confidence (0-1) to merge two accounts
    (``CORTEX_CREATOR_LINK_THRESHOLD`` in settings). Idempotent."""
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
    cosines = await _pair_cosines(pool, embedder, list(pairs))
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
    for link in sorted((k for k in links if k.accepted), key=lambda k: (-k.confidence, k.account_a, k.account_b)):
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


async def _pair_cosines(pool: AsyncConnectionPool, embedder: Embedder,
                        pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], float]:
    """Cosine of the YouTube bio vector and the Instagram content vector of each pair that has both."""
    table = await creator_vector_table(pool, embedder.name)
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
