"""The title-quality eval (``cortex eval titles``): do generated titles name the video, read as titles, and score
like the real ones?

For every 3Blue1Brown video with a transcript and a real title (``transcripts_3blue1brown/index.csv``), its SRT
captions go through the title subgraph (``tools.titles.graph``, the same run the chat makes; offline by default, the
LLM engine with ``--engine llm``). The real title is never given to the generator: only the eval reads it.

- **Topic fidelity**: every real 3Blue1Brown title (all of them, videos with and without a transcript) is ranked by
  cosine similarity (the bundled MiniLM) to the top generated title; top-1 / top-5 = the share of videos whose own
  title ranks first / in the first five. Baselines ranked the same way: the transcript's first sentence and its first
  60 words. Also: the share whose key concepts (the first three) share a word with the real title.
- **Fluency**: the share of all drafts, and of the titles shown, that pass the fluency guard
  (``tools.titles.fluency``); the guard's precision and recall at rejecting non-fluent titles on the hand-labelled
  set ``evals/datasets/titles/fluency.v1.jsonl`` (written beside the guard: optimistic) and on the held-out set
  ``fluency.v2.jsonl`` (gathered without looking at the guard's rules, never used to change it: the honest figure).
- **Scores**: the title scorer's score of the top generated title against the real title of the same video (mean
  paired difference, share graded A or better).
- **Empty lists**: videos with no title shown (must be zero), and with only weak drafts.

The weights of the key-concept ranking (``tools.scripts.topic``) were chosen on the ``dev`` half of the videos (split
by video: ``split_of``); every metric is reported on ``all``, ``dev`` and ``heldout``, and the held-out half is the
honest figure. ``split``: "smoke" (``SMOKE_VIDEOS`` videos of the held-out half) or "full" (all).
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.language_models import BaseChatModel

from agent.embeddings import get_embedder
from agent.models import Tier
from agent.settings import get_settings
from evals.evaluators import mean_with_interval
from memory.db import Database
from tools.scoring.scorer import score_titles
from tools.titles.fluency import Evidence, check_title
from tools.titles.graph import TitleGenContext, run_title_graph
from tools.titles.report import shown_titles

FLUENCY_SET = Path(__file__).resolve().parent / "datasets" / "titles" / "fluency.v1.jsonl"
"""Hand-labelled titles written beside the guard (its rules in view): an optimistic figure."""
FLUENCY_HELDOUT = FLUENCY_SET.with_name("fluency.v2.jsonl")
"""Labelled titles gathered without looking at the guard's rules and never used to change it: real titles of
``youtube_channel_uploads`` (fluent), the same titles cut after a function word, random word windows of 3Blue1Brown
transcripts (title-cased), windows with a title ending glued on (not fluent), and a few written by hand; each row
names its ``source``. The guard's honest precision and recall."""
TRANSCRIPTS = "transcripts_3blue1brown"
MIN_WORDS = 100
"""Videos with fewer transcript words are skipped (a poem, an announcement of a few lines)."""
SMOKE_VIDEOS = 12
BASELINE_WORDS = 60


@dataclass(frozen=True)
class Video:
    """One 3Blue1Brown video of the eval: its slug, real title, SRT captions path and split ("dev" / "heldout")."""

    slug: str
    title: str
    captions: Path
    split: str


def split_of(slug: str) -> str:
    """The video's half: "dev" when the SHA-1 of its slug is even, else "heldout" (stable, by video)."""
    return "dev" if int(hashlib.sha1(slug.encode()).hexdigest(), 16) % 2 == 0 else "heldout"


def load_videos(data_dir: Path) -> tuple[list[Video], list[str]]:
    """(the videos with captions, a real title and at least ``MIN_WORDS`` words; every non-empty real title, in index
    order: the titles fidelity ranks). Raises FileNotFoundError when the data set is missing."""
    root = Path(data_dir) / TRANSCRIPTS
    rows = list(csv.DictReader((root / "index.csv").open(encoding="utf-8")))
    titles = [r["title"].strip() for r in rows if r["title"].strip()]
    videos = []
    for r in rows:
        captions = root / r["folder"] / "captions.srt"
        if r["title"].strip() and captions.is_file() and int(r["transcript_words"] or 0) >= MIN_WORDS:
            videos.append(Video(r["slug"], r["title"].strip(), captions, split_of(r["slug"])))
    return videos, titles


def first_sentence(text: str) -> str:
    """The first sentence of a plain transcript (up to the first . ! or ?)."""
    flat = " ".join(text.split())
    m = re.search(r"^(.+?[.!?])(?:\s|$)", flat)
    return m.group(1) if m else flat


def rank_of(query: np.ndarray, titles: np.ndarray, own: int) -> int:
    """1-based rank of title ``own`` among ``titles`` (unit rows) by cosine with ``query`` (ties count against it)."""
    sims = titles @ query
    return int((sims > sims[own]).sum() + (sims[np.arange(len(sims)) != own] == sims[own]).sum()) + 1


def guard_scores(path: Path = FLUENCY_SET) -> dict[str, Any]:
    """The guard on the labelled set: precision and recall at rejecting non-fluent titles (the positive class), with
    Wilson intervals, and every disagreement."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rejected = [(r, not check_title(r["title"]).ok) for r in rows]
    tp = sum(1 for r, rej in rejected if rej and not r["fluent"])
    fp = sum(1 for r, rej in rejected if rej and r["fluent"])
    fn = sum(1 for r, rej in rejected if not rej and not r["fluent"])
    return {
        "labelled": len(rows), "fluent": sum(r["fluent"] for r in rows),
        "precision": _prop(tp, tp + fp), "recall": _prop(tp, tp + fn),
        "false_rejections": [r["title"] for r, rej in rejected if rej and r["fluent"]],
        "missed": [r["title"] for r, rej in rejected if not rej and not r["fluent"]],
    }


def _prop(successes: int, n: int) -> dict[str, Any]:
    """A proportion as the runner reads a metric: mean, lo, hi (Wilson 95 %) and n."""
    w = mean_with_interval([1.0] * successes + [0.0] * (n - successes)) if n else {"value": None, "ci95": [0, 0]}
    return {"mean": w["value"], "lo": w["ci95"][0], "hi": w["ci95"][1], "n": n}


def _mean(values: Sequence[float]) -> dict[str, Any]:
    arr = np.asarray(values, dtype=float)
    if arr.size == 0:
        return {"mean": None, "lo": None, "hi": None, "n": 0}
    rng = np.random.default_rng(20250101)
    means = arr[rng.integers(0, arr.size, (2000, arr.size))].mean(axis=1)
    return {"mean": float(arr.mean()), "lo": float(np.percentile(means, 2.5)), "hi": float(np.percentile(means, 97.5)),
            "n": int(arr.size)}


async def generate_for(videos: Sequence[Video], db: Database, engine: str = "offline",
                       models: Callable[[Tier], BaseChatModel] | None = None) -> list[dict[str, Any]]:
    """Run the title subgraph on each video's SRT (no channel, no creator memory) and keep what the eval reads.
    ``models``: a tier -> chat model function used instead of the gateway (a recorded model in tests)."""
    out = []
    for v in videos:
        started = time.perf_counter()
        text = v.captions.read_text(encoding="utf-8")
        context = TitleGenContext(db=db, engine=engine, models=models)
        state = await run_title_graph({"transcript": text}, {}, context, lambda _: None)
        shown = [j.candidate.title for j in shown_titles(state["judgement"], 3)] if "judgement" in state else []
        drafts = [c.title for c in state.get("candidates", [])]
        evidence = Evidence.from_text(text)
        out.append({
            "slug": v.slug, "split": v.split, "shown": shown, "error": state.get("error", ""),
            "weak": state.get("weak", ""), "concepts": list(state["analysis"].concepts) if "analysis" in state else [],
            "drafts": len(drafts), "drafts_fluent": sum(check_title(t, evidence).ok for t in drafts),
            "shown_fluent": sum(check_title(t, evidence).ok for t in shown),
            "cuts": dict(Counter(c.rule for c in state.get("cuts", []))),
            "seconds": round(time.perf_counter() - started, 2),
        })
    return out


_STOP = frozenset("the a an of and to in on for with what is are how why but does do it its this that your you "
                  "chapter essence part".split())


def _stems(text: str) -> set[str]:
    return {re.sub(r"(?:ies|es|s)$", "", w) for w in re.findall(r"[a-z]+", text.lower()) if w not in _STOP and len(w) > 2}


def summarize(videos: Sequence[Video], runs: Sequence[dict[str, Any]], titles: Sequence[str]) -> dict[str, Any]:
    """Every metric of the module docstring on ``all``, ``dev`` and ``heldout``, from the generation ``runs``."""
    embed = get_embedder().embed
    title_vecs = embed(list(titles))
    index = {t: i for i, t in reversed(list(enumerate(titles)))}
    plain = {v.slug: (v.captions.parent / "transcript.txt") for v in videos}
    texts = {s: p.read_text(encoding="utf-8") if p.is_file() else "" for s, p in plain.items()}
    tops = [r["shown"][0] if r["shown"] else "" for r in runs]
    queries = {
        "generated": embed(tops),
        "first sentence": embed([first_sentence(texts[v.slug]) for v in videos]),
        f"first {BASELINE_WORDS} words": embed([" ".join(texts[v.slug].split()[:BASELINE_WORDS]) for v in videos]),
    }
    ranks = {name: [rank_of(q, title_vecs, index[v.title]) for q, v in zip(vecs, videos)]
             for name, vecs in queries.items()}
    real_scores = score_titles([v.title for v in videos])
    top_scores = score_titles([t or "-" for t in tops])
    result: dict[str, Any] = {}
    for part in ("all", "dev", "heldout"):
        keep = [i for i, v in enumerate(videos) if part == "all" or v.split == part]
        fidelity = {name: {"top1": _prop(sum(r[i] == 1 for i in keep), len(keep)),
                           "top5": _prop(sum(r[i] <= 5 for i in keep), len(keep))} for name, r in ranks.items()}
        named = sum(bool(_stems(" ".join(runs[i]["concepts"][:3])) & _stems(videos[i].title)) for i in keep)
        drafts = sum(runs[i]["drafts"] for i in keep)
        shown = sum(len(runs[i]["shown"]) for i in keep)
        generated = [top_scores[i].score for i in keep if tops[i]]
        real = [real_scores[i].score for i in keep if tops[i]]
        result[part] = {
            "videos": len(keep),
            "topic_fidelity": fidelity,
            "concepts_name_the_title": _prop(named, len(keep)),
            "fluency": {"drafts_passing": _prop(sum(runs[i]["drafts_fluent"] for i in keep), drafts),
                        "shown_passing": _prop(sum(runs[i]["shown_fluent"] for i in keep), shown)},
            "scorer": {"generated_top": _mean(generated), "real": _mean(real),
                       "generated_minus_real": _mean([g - r for g, r in zip(generated, real)]),
                       "generated_grade_a": _prop(sum(top_scores[i].grade in ("A", "A+") for i in keep if tops[i]),
                                                  len(generated))},
            "empty_lists": sum(not runs[i]["shown"] for i in keep),
            "weak_only_lists": sum(bool(runs[i]["weak"]) for i in keep),
            "titles_shown_per_video": round(shown / max(len(keep), 1), 2),
        }
    return result


def render_markdown(report: dict[str, Any]) -> str:
    """The report a reader reads: per half the fidelity table with its baselines, fluency, scores and empty lists,
    the guard on the labelled set, and a sample of videos."""
    def ci(m: dict) -> str:
        return "-" if m["mean"] is None else f"{m['mean']:.3f} [{m['lo']:.3f}, {m['hi']:.3f}]"

    g, h = report["guard"], report["guard_heldout"]
    lines = [f"# Title eval ({report['engine']}, split {report['split']})", "",
             f"{report['videos']} 3Blue1Brown videos, {report['titles_ranked']} real titles ranked; "
             f"{report['seconds']} s.", "",
             f"**Fluency guard** on {g['labelled']} hand-labelled titles ({g['fluent']} fluent): precision "
             f"{ci(g['precision'])}, recall {ci(g['recall'])} at rejecting non-fluent titles (set written beside the "
             f"guard). Held-out set ({h['labelled']} titles, {h['fluent']} fluent, gathered without looking at its "
             f"rules): precision {ci(h['precision'])}, recall {ci(h['recall'])}.", ""]
    for part in ("all", "dev", "heldout"):
        r = report["results"][part]
        lines += [f"## {part} ({r['videos']} videos)", "", "| query | top-1 | top-5 |", "|---|---|---|"]
        lines += [f"| {name} | {ci(m['top1'])} | {ci(m['top5'])} |" for name, m in r["topic_fidelity"].items()]
        s = r["scorer"]
        lines += ["", f"- key concepts name the real title: {ci(r['concepts_name_the_title'])}",
                  f"- drafts passing the guard: {ci(r['fluency']['drafts_passing'])}; titles shown passing: "
                  f"{ci(r['fluency']['shown_passing'])}",
                  f"- scorer: top generated {ci(s['generated_top'])}, real {ci(s['real'])}, difference "
                  f"{ci(s['generated_minus_real'])}; top generated graded A or better {ci(s['generated_grade_a'])}",
                  f"- empty lists: {r['empty_lists']}; weak drafts only: {r['weak_only_lists']}; titles shown per "
                  f"video: {r['titles_shown_per_video']}", ""]
    lines += ["## Sample", "", "| video | real title | top generated title |", "|---|---|---|"]
    lines += [f"| {s['slug']} | {s['real']} | {s['top']} |" for s in report["sample"]]
    return "\n".join(lines) + "\n"


async def evaluate(data_dir: Path, split: str = "full", engine: str = "offline",
                   db: Database | None = None, models: Callable[[Tier], BaseChatModel] | None = None,
                   slugs: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the eval on ``split`` ("smoke" or "full") with ``engine``; opens the configured database unless ``db``
    is given. ``models``: a tier -> chat model function instead of the gateway (a recorded model: the LLM engine
    with no network); ``slugs``: only these videos (any split). Raises ValueError for an unknown split."""
    if split not in ("smoke", "full"):
        raise ValueError(f"Unknown split {split!r}: use smoke or full.")
    started = time.perf_counter()
    videos, titles = load_videos(data_dir)
    if slugs is not None:
        videos = [v for v in videos if v.slug in slugs]
    elif split == "smoke":
        videos = [v for v in videos if v.split == "heldout"][:SMOKE_VIDEOS]
    if db is None:
        async with Database.open(get_settings(), max_size=2) as opened:
            runs = await generate_for(videos, opened, engine, models)
    else:
        runs = await generate_for(videos, db, engine, models)
    results = await asyncio.to_thread(summarize, videos, runs, titles)
    return {
        "engine": engine, "split": split, "videos": len(videos), "titles_ranked": len(titles),
        "guard": guard_scores(),
        "guard_heldout": guard_scores(FLUENCY_HELDOUT), "results": results, "runs": runs,
        "sample": [{"slug": v.slug, "real": v.title, "top": r["shown"][0] if r["shown"] else ""}
                   for v, r in list(zip(videos, runs))[:20]],
        "seconds": round(time.perf_counter() - started, 1),
    }


def run_title_eval(out_dir: Path, split: str = "full", data_dir: Path | None = None, engine: str | None = None
                   ) -> dict[str, Any]:
    """The runner's entry (``cortex eval titles``): run ``evaluate`` with ``engine`` ("offline", "llm"; None: the
    settings' choice, offline without a key) and write ``out_dir/titles_eval.md`` and ``titles_eval.json``; returns
    the headline metrics (held-out and all) for the run's report."""
    settings = get_settings()
    engine = engine or ("llm" if settings.engine == "llm" or (settings.engine == "auto" and settings.llm_configured)
                        else "offline")
    report = asyncio.run(evaluate(Path(data_dir or settings.data_dir), split, engine=engine))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "titles_eval.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    (out_dir / "titles_eval.md").write_text(render_markdown(report), encoding="utf-8")
    return {"guard": {k: report["guard"][k] for k in ("precision", "recall")},
            "guard_heldout": {k: report["guard_heldout"][k] for k in ("precision", "recall")},
            "all": _headline(report["results"]["all"]), "heldout": _headline(report["results"]["heldout"])}


def _headline(r: dict[str, Any]) -> dict[str, Any]:
    return {"top1": r["topic_fidelity"]["generated"]["top1"], "top5": r["topic_fidelity"]["generated"]["top5"],
            "drafts_passing": r["fluency"]["drafts_passing"], "empty_lists": r["empty_lists"]}
