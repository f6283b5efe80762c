"""How an audience size reads: counts as people say them (18.3M, 150.9k) and "18.3M subscribers" / "1.2M followers"
by platform. Used by identity evidence, enrichment summaries, search reasons and the tool's table."""

from __future__ import annotations


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

