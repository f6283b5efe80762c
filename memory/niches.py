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
