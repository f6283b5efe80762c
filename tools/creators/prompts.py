"""The fast tier's prompt and answer schema for creator enrichment (``tools.creators.enrich``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from memory.niches import CREATOR_NICHES


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


LLM_PROMPT = (
    "You classify content creators for a creator-search product. For each creator below give the primary niche "
    "and at most two secondary niches (only from the allowed list), the content style in a few words, and a "
    "one-line summary (max 25 words) from the facts given; never invent facts.\nAllowed niches: {niches}\n\n{items}"
)
"""The enrichment request: ``niches`` the allowed niche names, ``items`` the batch's creators and their facts as
JSON."""
