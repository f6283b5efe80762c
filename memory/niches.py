"""Niche taxonomies and the category mappings that go with them.

Two taxonomies, one per population, each a name -> description mapping (the description is what a niche's vector
is made from, ``niche_texts``):

- ``CHANNEL_NICHES`` (16) for the channels of the title corpus, with ``YOUTUBE_CATEGORY_NICHES`` (YouTube category
  id -> the niches it allows): ``memory.corpus.channels.assign_niches``, the niche filter of ``retrieve_outliers``;
- ``CREATOR_NICHES`` (22) for creator search, with ``SOURCE_CATEGORY_NICHES`` (a creator source's category name ->
  the niches it speaks for): ``tools.creators.enrich`` and ``tools.creators.search`` (enrichment, search filters).

They are kept apart: their names and descriptions differ (16 niches for the corpus's YouTube channels, classified by
their titles within their YouTube category; 22 for YouTube and Instagram accounts, classified by bios and content
plus the sources' category names), and stored channel and creator niches, the tools' niche filters and the words
``retrieve_outliers`` maps to niches are all built on these exact names and texts: one merged list would relabel
channels and creators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

CHANNEL_NICHES: dict[str, str] = {
    "science & engineering": "experiments, physics, engineering builds, inventions, space, rockets, math, how things work",
    "personal finance": "money, budgeting, saving, investing, income, debt, side hustles, financial habits",
    "beauty & makeup": "makeup tutorials, skincare, cosmetics, transformations, hair",
    "photography & filmmaking": "cameras, lenses, photo tips, filmmaking, editing, cinematic shots",
    "entertainment & challenges": "challenges, pranks, giving away money, extreme stunts, last to leave wins",
    "self-improvement & lifestyle": "minimalism, productivity, habits, motivation, simple living",
    "travel & vlogs": "travel vlogs, family life, living abroad, daily vlog, exploring cities",
    "music": "official music videos, songs, albums, singers, rap, concerts, lyrics",
    "fashion & brands": "clothing brand, fashion, streetwear, outfits, entrepreneurs, business podcast",
    "gaming": "video games, gameplay, Minecraft, Fortnite, game trailers, esports",
    "tech & gadgets": "smartphones, technology reviews, unboxing, computers, gadgets, AI tools",
    "comedy & talk shows": "comedy sketches, late night talk shows, stand-up, celebrity interviews",
    "news & politics": "news, politics, breaking news reports, government, world events",
    "sports": "sports highlights, football, basketball, NFL, NBA, athletes, matches",
    "food & cooking": "cooking recipes, food, baking, restaurants, tasting",
    "film & tv": "movie trailers, films, TV series, episodes, behind the scenes",
}
"""The niches of corpus channels (``channels.niche``, set by ``memory.corpus.channels.assign_niches``; the niche filter of
``retrieve_outliers``): name -> what their videos are about (embedded as ``niche_texts``)."""

YOUTUBE_CATEGORY_NICHES: dict[int, tuple[str, ...]] = {
    10: ("music",),
    17: ("sports",),
    20: ("gaming",),
    23: ("comedy & talk shows",),
    25: ("news & politics",),
    26: ("beauty & makeup", "fashion & brands", "food & cooking", "self-improvement & lifestyle",
         "photography & filmmaking", "tech & gadgets", "personal finance"),
    27: ("science & engineering", "personal finance", "self-improvement & lifestyle", "tech & gadgets",
         "photography & filmmaking", "food & cooking"),
    28: ("science & engineering", "tech & gadgets"),
}
"""The ``CHANNEL_NICHES`` a YouTube category allows (ids of the YouTube Data API's videoCategories: 10 Music, 17 Sports,
20 Gaming, 23 Comedy, 25 News & Politics, 26 Howto & Style, 27 Education, 28 Science & Technology). Broad
categories (1 Film & Animation, 22 People & Blogs, 24 Entertainment, ...) allow every niche.

A channel's niche: among the niches its most common category allows, the one whose description is nearest
(cosine) to the mean vector of the channel's titles, in the title model's own space. Both signals come from the
data: the category the creator picked, and what the titles are about (the category alone cannot tell personal
finance from science in Education, and titles alone put Mark Rober's "World's Largest ..." builds with
challenge channels, though he files them under Science & Technology)."""


CREATOR_NICHES: dict[str, str] = {
    "science & education": "science and education explainers: physics, space, math, biology, chemistry, engineering "
    "experiments, documentaries, learning and curiosity",
    "technology": "technology and gadgets: smartphones, computers, tech reviews, unboxing, software and electronics",
    "ai & data science": "artificial intelligence, machine learning, data science, programming and coding tutorials",
    "finance & business": "personal finance, investing, money, stocks, crypto, entrepreneurship, business and marketing",
    "exam prep & careers": "exam preparation, tutoring, school and college lessons, competitive exams, career guidance",
    "kids & family": "children's content: nursery rhymes, kids songs, cartoons for kids, toys, family life and parenting",
    "music": "music: songs, music videos, singers, bands, rappers, DJs, concerts and record labels",
    "gaming": "video games: gameplay, let's plays, Minecraft, Fortnite, esports, game streams",
    "comedy & entertainment": "comedy and entertainment: sketches, pranks, challenges, reactions, celebrities and TV shows",
    "film & animation": "movies and animation: film recaps, trailers, cartoons, animated series, TV and cinema",
    "news & politics": "news and politics: current affairs, journalism, geopolitics, world events",
    "sports": "sports: football, soccer, basketball, cricket, athletes, clubs and matches",
    "fitness": "fitness and health: workouts, gym, bodybuilding, yoga, personal training, nutrition",
    "beauty": "beauty and makeup: cosmetics, skincare, hair, nails, makeup tutorials",
    "fashion": "fashion and style: outfits, clothing, models, streetwear, designers, luxury",
    "food & cooking": "food and cooking: recipes, chefs, baking, restaurants, street food",
    "travel": "travel and adventure: destinations, tourism, hotels, backpacking, travel photography",
    "home & diy": "home, interior design, decor, architecture, DIY crafts and life hacks",
    "pets & animals": "pets and animals: dogs, cats, wildlife and nature",
    "lifestyle & vlogs": "lifestyle and vlogs: daily life, self-improvement, productivity, motivation, minimalism",
    "autos & vehicles": "cars and vehicles: supercars, trucks, motorcycles, automotive reviews",
    "photography & art": "photography, filmmaking, cameras, art, drawing, painting and design",
}
"""The niches of creators (``creators.primary_niche`` and ``secondary_niches``, set by
``tools.creators.enrich.enrich_creators``; the niche filter of ``search_creators``): name -> description (embedded
as ``niche_texts`` for the offline enrichment; the allowed answers of the LLM enrichment)."""

SOURCE_CATEGORY_NICHES: dict[str, tuple[str, ...]] = {
    # kim2020 influencer categories
    "fashion": ("fashion",), "travel": ("travel",), "family": ("kids & family",), "food": ("food & cooking",),
    "beauty": ("beauty",), "interior": ("home & diy",), "fitness": ("fitness",), "pet": ("pets & animals",),
    # YouTube categories and channel types (global_youtube_statistics_2023)
    "Music": ("music",), "Gaming": ("gaming",), "Games": ("gaming",), "Education": ("science & education", "kids & family"),
    "Science & Technology": ("technology", "science & education"), "Tech": ("technology",),
    "Entertainment": ("comedy & entertainment",), "Shows": ("comedy & entertainment",), "Comedy": ("comedy & entertainment",),
    "People & Blogs": ("lifestyle & vlogs",), "People": ("lifestyle & vlogs",),
    "Film & Animation": ("film & animation",), "Film": ("film & animation",), "Movies": ("film & animation",),
    "Trailers": ("film & animation",), "Howto & Style": ("home & diy", "beauty", "fashion"), "Howto": ("home & diy",),
    "News & Politics": ("news & politics",), "News": ("news & politics",), "Sports": ("sports",),
    "Pets & Animals": ("pets & animals",), "Animals": ("pets & animals",), "Autos & Vehicles": ("autos & vehicles",),
    "Autos": ("autos & vehicles",), "Travel & Events": ("travel",), "Nonprofits & Activism": ("news & politics",),
}
"""Categories of the creator sources (``creator_accounts.category``: kim2020 influencer categories, YouTube categories
and channel types of global_youtube_statistics_2023) -> the ``CREATOR_NICHES`` they speak for."""


def niche_texts(niches: dict[str, str]) -> list[str]:
    """The text each niche of a taxonomy is embedded as, in its order: '<name>: <description>'."""
    return [f"{name}: {description}" for name, description in niches.items()]


# --- the niche vocabulary: the words people use for each niche ------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    """Words that name one topic, and the niche of each taxonomy they stand for (None: the taxonomy has no such
    niche). ``terms``: lower-case words or phrases, matched as whole words (a plural 's' allowed); a term ending in
    '?' is ambiguous (see ``niches_named``)."""

    channel_niche: str | None
    creator_niche: str | None
    terms: tuple[str, ...]


TOPICS: tuple[Topic, ...] = (
    Topic("personal finance", "finance & business", (
        "personal finance", "finance", "financial", "money", "budgeting", "budget?", "saving money", "savings",
        "investing", "investment", "investor", "stock market", "stocks", "trading", "trader", "debt",
        "student loan", "loan", "frugal", "frugality", "retirement", "wealth", "rich", "income", "passive income",
        "side hustle", "crypto", "cryptocurrency", "bitcoin", "tax", "taxes", "accountant", "salary", "paycheck")),
    Topic(None, "finance & business", (
        "business", "entrepreneur", "entrepreneurship", "startup", "marketing", "ecommerce", "small business")),
    Topic("science & engineering", "science & education", (
        "science", "scientific", "scientist", "physics", "engineering", "engineer", "experiment", "space",
        "astronomy", "astrophysics", "rocket", "nasa", "math", "maths", "mathematics", "chemistry", "biology",
        "invention", "quantum", "universe")),
    Topic("science & engineering", "science & education", ("education", "educational", "educator", "lecture", "university", "explainer")),
    Topic("tech & gadgets", "ai & data science", (
        "ai", "artificial intelligence", "machine learning", "deep learning", "data science", "data scientist",
        "programming", "coding", "coder", "python", "software engineering", "developer", "llm", "chatgpt")),
    Topic("tech & gadgets", "technology", (
        "tech", "technology", "gadget", "smartphone", "iphone", "android", "laptop", "computer", "pc build",
        "unboxing", "electronics", "software")),
    Topic(None, "exam prep & careers", (
        "exam", "exam preparation", "test prep", "upsc", "jee", "neet", "tutoring", "career", "job interview",
        "coding interview", "interview preparation")),
    Topic(None, "kids & family", (
        "kids", "children", "toddler", "nursery rhyme", "parenting", "parent", "baby", "babies", "family?", "mom")),
    Topic("music", "music", (
        "music", "song", "singer", "rapper", "rap", "hip hop", "band", "album", "concert", "musician", "dj",
        "reggaeton", "music video", "lyrics")),
    Topic("gaming", "gaming", (
        "gaming", "gamer", "video game", "game?", "gameplay", "minecraft", "fortnite", "esports", "roblox", "gta",
        "let's play", "streamer")),
    Topic("comedy & talk shows", "comedy & entertainment", (
        "comedy", "comedian", "sketch", "funny", "stand-up", "standup", "talk show", "late night")),
    Topic("entertainment & challenges", "comedy & entertainment", (
        "challenge", "prank", "stunt", "giveaway", "last to leave", "entertainment")),
    Topic("film & tv", "film & animation", (
        "movie", "film", "cinema", "trailer", "animation", "animated", "cartoon", "tv show", "bollywood",
        "hollywood", "anime")),
    Topic("news & politics", "news & politics", (
        "news", "politics", "political", "geopolitics", "world affairs", "current affairs", "journalism",
        "journalist", "election", "government")),
    Topic("sports", "sports", (
        "sport", "football", "soccer", "basketball", "nba", "nfl", "cricket", "tennis", "athlete",
        "football player", "boxing", "mma", "ufc")),
    Topic(None, "fitness", (
        "fitness", "workout", "gym", "bodybuilding", "bodybuilder", "yoga", "exercise", "personal trainer",
        "pilates", "crossfit", "weight loss")),
    Topic("beauty & makeup", "beauty", (
        "beauty", "makeup", "make-up", "skincare", "skin care", "cosmetics", "lipstick", "eyebrow", "nails",
        "hairstyle", "foundation?")),
    Topic("fashion & brands", "fashion", (
        "fashion", "outfit", "clothing", "clothes", "streetwear", "designer", "luxury", "style?", "model?", "brand?")),
    Topic("food & cooking", "food & cooking", (
        "food", "cooking", "recipe", "chef", "baking", "restaurant", "street food", "snack", "foodie",
        "food blogger", "cuisine")),
    Topic("travel & vlogs", "travel", (
        "travel", "traveling", "travelling", "traveler", "trip", "tourism", "tourist", "backpacking",
        "destination", "vacation", "hotel", "living abroad")),
    Topic("travel & vlogs", "lifestyle & vlogs", ("vlog", "vlogger", "daily vlog", "day in the life")),
    Topic("self-improvement & lifestyle", "lifestyle & vlogs", (
        "minimalism", "minimalist", "productivity", "productive", "habit", "motivation", "self-improvement",
        "self improvement", "declutter", "decluttering", "morning routine", "discipline", "mindset", "lifestyle")),
    Topic(None, "home & diy", (
        "interior design", "interior", "home decor", "decor", "diy", "home improvement", "architecture",
        "crafts", "woodworking")),
    Topic(None, "pets & animals", (
        "pet", "dog", "cat", "puppy", "puppies", "kitten", "animal", "wildlife")),
    Topic(None, "autos & vehicles", (
        "car", "supercar", "vehicle", "automotive", "motorcycle", "truck")),
    Topic("photography & filmmaking", "photography & art", (
        "photography", "photographer", "photo", "camera", "lens", "lenses", "filmmaking", "filmmaker",
        "cinematic", "lightroom", "photoshop", "drone", "video editing", "art?", "artist", "drawing", "painting")),
)
"""The niche vocabulary, written from the niches' own descriptions and the field's usual words for them (not from
any eval query). One topic per row; both taxonomies read it (``niches_named``), so a word means the same niche for
outlier retrieval and creator search."""

GENERIC_WORDS: frozenset[str] = frozenset({
    "beginner", "beginners", "tip", "tips", "trick", "tricks", "guide", "tutorial", "tutorials", "best", "top",
    "easy", "simple", "ultimate", "new", "free", "idea", "ideas", "review", "reviews", "cheap", "expensive",
    "good", "great", "how", "why", "what", "ways", "things", "everything", "basics", "advanced", "pro", "vs",
    "personal", "people", "make", "making", "start", "starting", "creators", "channels", "influencers",
    "works", "video", "videos",
})
"""Words that say how or for whom, not what about ("budgeting for beginners": the topic is budgeting). A title or a
profile that shares only such words with a request is not a match."""


@dataclass(frozen=True)
class NicheMention:
    """A niche a text names: the niche, the term that named it (as written in ``TOPICS``, without '?')."""

    niche: str
    term: str


def _term_pattern(term: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in re.split(r"[\s-]+", term)]
    return re.compile(r"(?<![\w'])" + r"[\s-]+".join(words) + r"(?:s|es)?(?![\w'])")


_PATTERNS: list[tuple[Topic, str, bool, re.Pattern[str]]] = [
    (t, term.rstrip("?"), term.endswith("?"), _term_pattern(term.rstrip("?"))) for t in TOPICS for term in t.terms
]


def niches_named(text: str, taxonomy: str) -> list[NicheMention]:
    """The niches of ``taxonomy`` ('channel': ``CHANNEL_NICHES``, 'creator': ``CREATOR_NICHES``) a text names through
    ``TOPICS``' terms, in order of first appearance, each once.

    Terms match as whole words or phrases, any case, plural 's' allowed: 'budgeting' names personal finance, the
    'budget' in 'budgetcamera' or 'personal' alone names nothing. An ambiguous term (marked '?', e.g. 'budget' in
    'budget camera') counts only when the text names no niche with an unambiguous term. Raises ValueError for an
    unknown taxonomy."""
    if taxonomy not in ("channel", "creator"):
        raise ValueError(f"Unknown taxonomy {taxonomy!r}: use 'channel' or 'creator'.")
    low = text.lower()
    found: list[tuple[int, bool, NicheMention]] = []
    for topic, term, ambiguous, pattern in _PATTERNS:
        niche = topic.channel_niche if taxonomy == "channel" else topic.creator_niche
        if niche and (m := pattern.search(low)):
            found.append((m.start(), ambiguous, NicheMention(niche, term)))
    if any(not amb for _, amb, _ in found):
        found = [f for f in found if not f[1]]
    out: dict[str, NicheMention] = {}
    for _, _, mention in sorted(found, key=lambda f: f[0]):
        out.setdefault(mention.niche, mention)
    return list(out.values())


def words_naming(text: str, taxonomy: str, niches: tuple[str, ...] | list[str]) -> set[str]:
    """The words of ``text`` (lower case) inside the terms of ``TOPICS`` that name one of ``niches`` in ``taxonomy``:
    'saving money tips' -> {'saving', 'money'} for personal finance (the phrase "saving money" names it, though
    "saving" alone names nothing). Raises ValueError for an unknown taxonomy (as ``niches_named``)."""
    if taxonomy not in ("channel", "creator"):
        raise ValueError(f"Unknown taxonomy {taxonomy!r}: use 'channel' or 'creator'.")
    low, words = text.lower(), set()
    for topic, _, _, pattern in _PATTERNS:
        if (topic.channel_niche if taxonomy == "channel" else topic.creator_niche) in niches:
            for m in pattern.finditer(low):
                words.update(re.findall(r"[a-z0-9']+", m.group(0)))
    return words


def only_niche_words(text: str, taxonomy: str) -> bool:
    """True when everything ``text`` says it is about is niche vocabulary of ``taxonomy``: once the words and phrases
    that name a niche are taken out, only generic words (``is_generic``) or words under three letters are left
    ('budgeting for beginners', 'video editing tutorials'; not 'rapper interviews on a podcast'). False when no
    niche is named. Raises ValueError for an unknown taxonomy (as ``niches_named``)."""
    named = niches_named(text, taxonomy)
    if not named:
        return False
    rest = text.lower()
    # longest terms first: 'money' taken out first would leave the 'saving' of 'saving money'
    for topic, _, _, pattern in sorted(_PATTERNS, key=lambda p: -len(p[1])):
        if (topic.channel_niche if taxonomy == "channel" else topic.creator_niche):
            rest = pattern.sub(" ", rest)
    return all(len(w) < 3 or is_generic(w) for w in re.findall(r"[a-z0-9']+", rest))


def niche_terms(niche: str) -> list[str]:
    """Every unambiguous term of ``TOPICS`` that names ``niche`` (in either taxonomy), in order."""
    return [term for t, term, ambiguous, _ in _PATTERNS if niche in (t.channel_niche, t.creator_niche) and not ambiguous]


def is_generic(word: str) -> bool:
    """True for a word in ``GENERIC_WORDS`` or an English stop word (scikit-learn's list), any case."""
    return word.lower() in GENERIC_WORDS or word.lower() in ENGLISH_STOP_WORDS
