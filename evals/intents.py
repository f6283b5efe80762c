"""The offline router's training set: requests a creator types, labelled with the tool that answers them, a
follow-up to the previous request, or one of the kinds of message no tool answers.

``python -m evals.intents`` writes ``evals/datasets/training/intents.v1.jsonl`` (deterministic: seed ``SEED``), one
line per request::

    {"text": "rate my titel pls → The 10 Times I Almost Quit", "label": "score_title", "group": "score_title:3",
     "mentions": []}

- ``label``: a tool name, ``followup`` (changes the previous request: "narrow it to Shorts", "same for Mark Rober"),
  or ``none.<kind>`` with kind ``greeting``, ``thanks``, ``help`` (what can you do), ``advice`` (general YouTube
  questions no tool answers, including hard negatives that share a tool's words: "does title length even
  matter?"), ``off_topic`` or ``vague``;
- ``group``: the template the request came from; the router's dev split is drawn by group, so no template has
  requests on both sides (``agent.intent``);
- ``mentions``: the corpus channel names filled in (as written), which the router masks like it masks titles and
  numbers.

Requests come from hand-written templates, each filled from slot lists (titles, topics, channels, numbers, dates,
platforms, countries) and passed through the ways creators write: lowercase, typos, slang, emoji, a greeting in front,
a long preamble about their channel. Written apart from the eval sets (``evals/datasets/routing``, ``trajectories``):
``tests/evals/test_intents.py`` fails when any eval message is a near-copy (edit distance or MiniLM cosine) of a
training request.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

SEED = 15
PATH = Path(__file__).parent / "datasets" / "training" / "intents.v1.jsonl"

TITLES = [
    "The 10 Times I Almost Quit", "I Tried 7 Budget Microphones So You Don't Have To", "My Van Broke Down in Iceland",
    "Why Every Beginner Buys the Wrong Lens", "I Ate Like a Sumo Wrestler for a Week", "Cheap vs Expensive Running Shoes",
    "How I Edit a Video in 20 Minutes", "3 Money Habits That Made Me Rich at 30", "Building a Treehouse With No Nails",
    "The Lake That Turns Animals to Stone", "We Rebuilt a 1970s Camper From Scratch", "Stop Making This Bread Mistake",
    "I Learned Piano in 30 Days", "Why Airplane Food Tastes Different", "Tokyo on $40 a Day",
    "The Ultimate Home Gym Under $500", "I Gave My Cat a Smart Collar", "Everything Wrong With My First Apartment",
    "Can You Survive on Gas Station Coffee?", "How Octopuses Escape Anything", "My Honest Review of the Cheapest Drone",
    "5 Things Nobody Tells You About Freelancing", "The Day I Deleted Instagram", "A Week Living Like a Monk",
    "Testing Weird Kitchen Gadgets From Temu", "Why Trains in Japan Are Never Late", "Drawing Every Day for a Year",
    "I Paid Off My Student Loans in 18 Months", "The Science of Perfect Pancakes", "Surviving 48 Hours in the Desert",
    "Is This the Best Budget Phone of 2024?", "Beginner Guitar Mistakes (and Fixes)", "Rating Every Fast Food Burger",
    "How to Study When You Have Zero Motivation", "I Built a Robot Bartender", "The 100 Dollar Wardrobe Challenge",
    "Our Tiny House Tour After 2 Years", "Why You Feel Tired All the Time", "Making Sushi With a Michelin Chef",
    "The Mistake That Cost Me 10,000 Subscribers", "What 1 Year of Running Did to My Body", "Fixing a Rusty Bike",
    "Day in the Life of a Night Nurse", "Why Bees Build Hexagons", "Unboxing a Mystery Pallet of Returns",
    "I Quit Sugar for 60 Days", "The Weirdest Museum in Europe", "Minimal Desk Setup 2025",
    "How I Grew a Lemon Tree Indoors", "Exploring an Abandoned Mall", "I Tried the 5 AM Club for 2 Weeks",
]
TOPICS = [
    "home gym builds", "sourdough", "van life", "budget travel", "skincare routines", "camera lenses", "study tips",
    "passive income", "lego builds", "robotics", "rocket launches", "street food", "minimal desks", "productivity apps",
    "credit card debt", "drone footage", "chemistry demos", "ocean animals", "bike repair", "electric cars",
    "japanese trains", "meal prep", "guitar lessons", "abandoned places", "tiny houses", "coffee brewing",
    "hair tutorials", "stock market basics", "card tricks", "gardening", "magic tricks", "space telescopes",
    "frugal living", "woodworking", "mechanical keyboards", "weight loss journeys", "language learning",
    "home organisation", "thrift flips", "fishing", "car detailing", "retro gaming", "astronomy", "slow motion fire",
    "extreme weather", "origami", "cat behaviour", "chess openings", "3d printing", "birthday pranks",
]
CHANNELS = ["Mark Rober", "Veritasium", "MrBeast", "Nischa", "Peter McKinnon", "Matt D'Avella", "NikkieTutorials",
            "The Slow Mo Guys", "Rachel & Jun's Adventures!", "Alex Hawkers", "Tipa", "Nude Project", "Feid"]
CHANNEL_SPELLINGS = {"Mark Rober": ["mark rober", "Mark Robers"], "MrBeast": ["mr beast", "mrbeast"],
                     "The Slow Mo Guys": ["slow mo guys", "Slow Mo Guys"], "Veritasium": ["veritasium"],
                     "Matt D'Avella": ["matt davella"], "Peter McKinnon": ["peter mckinnon"],
                     "Rachel & Jun's Adventures!": ["Rachel and Jun"], "NikkieTutorials": ["nikkie tutorials"]}
CREATORS = ["Ali Abdaal", "Marques Brownlee", "Emma Chamberlain", "Kurzgesagt", "Graham Stephan", "Mark Rober",
            "Veritasium", "MrBeast", "Casey Neistat", "Linus Tech Tips", "Nischa", "Peter McKinnon"]
NICHES = ["fitness", "personal finance", "cooking", "beauty", "tech", "travel", "gaming", "education", "fashion",
          "science", "music", "parenting", "photography", "comedy", "food", "pets", "home decor", "crypto", "yoga"]
COUNTRIES = ["Germany", "Brazil", "the UK", "Canada", "Mexico", "Nigeria", "Indonesia", "Spain", "Australia", "Korea",
             "France", "the Philippines", "Italy", "Turkey"]
DEMONYMS = ["German", "Brazilian", "British", "Canadian", "Mexican", "Indian", "Spanish", "Australian", "French"]
METRICS = ["CTR", "click-through rate", "impressions", "watch time", "average view duration", "AVD", "views",
           "subscribers gained", "likes", "comments", "retention"]
ORDS = ["first", "second", "third", "fourth", "fifth", "last", "1st", "2nd", "3rd", "4th"]
SIZES = ["50k", "100k", "200k", "500k", "1M", "10k", "20k", "2M", "300k"]
YEARS = ["2018", "2019", "2020", "2021", "2022", "2023", "2024"]
MULTS = ["3", "4", "5", "8", "10", "2.5"]
NS = ["3", "4", "5", "6", "8", "10", "12", "15", "20"]
REASONS = ["too long", "sounds like clickbait", "not my style", "too generic", "boring", "too many caps"]

# ------------------------------------------------------------------------------------------------------------------
# Templates: {title} {title2} {topic} {channel} {creator} {niche} {country} {demonym} {metric} {ord} {size}
# {size2} {year} {year2} {mult} {n} {reason}
# ------------------------------------------------------------------------------------------------------------------

TEMPLATES: dict[str, list[str]] = {
    "score_title": [
        "rate this title for me: {title}", "how does \"{title}\" score", "score \"{title}\" out of 100",
        "grade my title → {title}", "thoughts on my title {title}?", "is \"{title}\" a strong title or nah",
        "would you click on \"{title}\"?", "quick title check: \"{title}\"", "{title} - how good is this title?",
        "how would you rate the title '{title}'", "pls score my vid title: {title}", "is my title any good? {title}",
        "score both: \"{title}\" vs \"{title2}\"", "\"{title}\" or \"{title2}\", which one would get more clicks?",
        "compare \"{title}\" with \"{title2}\"", "which title wins: '{title}' or '{title2}'",
        "A) {title} B) {title2} which is stronger", "rank these titles: \"{title}\", \"{title2}\"",
        "give my title a grade: \"{title}\"", "analyse the title \"{title}\" for weaknesses",
        "how clickable is \"{title}\"", "does \"{title}\" work as a title for {channel}?",
        "score \"{title}\" against {channel}'s titles", "how would \"{title}\" do on {channel}'s channel",
        "my title is \"{title}\", is it too long?", "is \"{title}\" too clickbaity?",
        "can u grade this title pls {title}", "title feedback please: {title}", "rate it: \"{title}\"",
        "I wrote \"{title}\" as a title, how strong is it", "what score would \"{title}\" get",
        "evaluate my title: {title}", "need a score for this title -> {title}", "score my title",
        "can you rate a title for me?", "judge my youtube title", "check if my title is good",
        "between {n} and {n2}, which scores higher", "give #{n} a score", "can you rate number {n} for me", "how would you rate #{n}", "rate the {ord} title", "rate #{n} and #{n2}", "what score does the {ord} get", "give the {ord} title a score", "how strong is the {ord} title",
        "compare #{n} and #{n2}", "score all of them", "which of those titles is the strongest according to your score",
        "give the {ord} title a score against {channel}", "rate my tittle: {title}", "scor this title {title}",
        "i have a title, can you tell me how good it is: {title}", "please to evaluate this title: {title}",
        "be brutal, is \"{title}\" weak?", "would \"{title}\" get clicks or flop", "sanity check this title pls: {title}",
        "my editor hates \"{title}\", who's right?", "pick the better title: {title} / {title2}",
        "is \"{title}\" better than \"{title2}\"?", "{title} vs {title2}", "out of 100 how's \"{title}\"",
        "what grade does my title get? {title}", "does \"{title}\" sound clickable to you", "title review → {title}",
        "thinking of naming my video \"{title}\", thoughts?", "how does \"{title}\" compare to {channel}'s best titles",
        "is this title good for my channel? \"{title}\"", "{title} (title) - score?", "how good is my headline \"{title}\"",
        "how would \"{title}\" do on my channel", "predict how {title} would perform for me",
        "would my audience click \"{title}\"? based on my past videos", "how would {title} do on {channel}",
        "I was wondering whether \"{title}\" is strong enough as a title, could you take a look",
        "so I finished editing and the working title is {title}. is it decent or should I rethink it?",
        "please you can tell me the quality of this title? {title}",
        "i want know if people will click this: \"{title}\"",
        "my co-host and I can't agree. she wants \"{title}\", I want \"{title2}\". settle it",
        "before I hit publish, does \"{title}\" hold up?",
        "how much would you give \"{title}\" out of a hundred",
        "is there anything weak about the title {title}",
        "rate pls, english not my first language: {title}",
        "we upload {niche} stuff and the next one is called \"{title}\" - what score does it get?",
    ],
    "retrieve_outliers": [
        "outliers on {topic}", "which {topic} videos overperformed", "show videos about {topic} that beat their channel average",
        "find breakout videos on {topic}", "what {topic} videos went way above normal views",
        "{channel}'s biggest outliers", "what were {channel}'s best performing videos about {topic}",
        "{channel} videos about {topic} that blew up", "find {mult}x outliers about {topic}",
        "videos about {topic} with at least {mult}x views", "outlier shorts about {topic}",
        "long-form outliers about {topic}, not shorts", "{topic} outliers since {year}", "{topic} outliers from {year} to {year2}",
        "outliers about {topic} in the last 6 months", "show me {topic} videos that went viral in {year}",
        "which videos about {topic} did unusually well", "what works in {niche} right now? show outliers",
        "what's working for {channel}", "which title patterns work for {channel}", "what patterns win across {niche} channels",
        "any overperforming videos on {topic} from {channel} or {channel2}?", "give me viral examples on {topic}",
        "research {topic}: which videos crushed it", "find me videos about {topic} that did {mult} times better than usual",
        "top outliers in the {niche} niche", "examples of {topic} videos that outperformed", "outlers about {topic}",
        "wich {topic} videos overperfomed", "show me what went viral about {topic} pls", "look for outliers",
        "search outliers", "show me outlier videos", "i want inspiration: {topic} videos that beat the median",
        "{topic} vids that got way more views than the channel usually gets", "find high multiplier videos on {topic}",
        "which uploads from {channel} overperformed since {year}", "outlier videos {topic} long form only",
        "show shorts that blew up on {channel}", "what {topic} content is outperforming lately",
        "me I want see videos of {topic} with many views more than normal", "top performing videos {topic} {channel}",
        "what kind of {topic} videos go viral", "find me proven video ideas about {topic}",
        "I'm planning a video on {topic}, which ones did great for others?", "{topic} videos that punched above their weight",
        "show me {topic} hits from {year} onwards", "what {topic} uploads beat the median by a lot",
        "any {topic} videos on {channel} that did way better than usual?", "{channel} outliers but only long form",
        "which {niche} videos broke out recently", "best performing {topic} shorts", "overperformers about {topic} pls",
        "find viral {topic} content from the last 6 months", "{topic}: which videos outperformed their channel",
        "biggest {topic} outliers since {year}, long videos only", "videos about {topic} that exploded",
        "I'd love to see some examples of {topic} videos that did far better than the creator normally gets",
        "what {topic} uploads got numbers way beyond that channel's typical video",
        "please show me videos of {topic} which have much more views than usual for that channel",
        "i want to know which {topic} video were big success compared to their channel",
        "before I film my {topic} video I want to study the ones that overperformed, can you pull some up",
        "were there any {topic} videos from {channel} that really took off?",
        "dig up some {topic} breakouts for me",
        "which {niche} creators had a video blow past their usual views lately",
        "show me the surprise hits about {topic}",
        "what {topic} ideas have proven themselves with way above average views",
    ],
    "pull_analytics": [
        "how are my last {n} uploads performing", "my {metric} for the last {n} videos", "best {metric} among my videos?",
        "top {n} of my videos by {metric}", "how is my newest upload doing vs my average", "compare my latest video with my normal performance",
        "show my channel numbers", "pull up my stats", "my analytics please", "how did my recent videos do",
        "what's my {metric} looking like lately", "which upload of mine has the most {metric}", "is my last video underperforming?",
        "my views are down, show me the data for my recent uploads", "analytics for my channel \"{channel}\"",
        "how many views did my last {n} videos get", "{metric}: which of my titles is on top",
        "common traits of my top {metric} videos", "show my {metric}", "how is my channel doing this month",
        "whats my ctr on recent vids", "did my newest video beat my usual numbers?", "my top videos",
        "which upload of mine performed worst", "lowest {metric} among my videos", "how's my watch time trending",
        "show me my impressions and ctr", "hw r my vids doing", "stats on my last {n} uploads pls",
        "how my channel is going? the numbers please", "my last upload vs typical, how did it go",
        "how many subscribers did my videos bring", "which videos of mine have the best retention",
        "are my uploads getting better or worse lately", "how's my newest video compared to what I usually get",
        "which of my videos do people watch the longest", "my channel performance last {n} videos", "my worst {metric}",
        "how many impressions did my latest uploads get", "did my {metric} go up on recent videos", "check my numbers",
        "how is my latest video performing", "what are my stats looking like", "which of my uploads flopped",
        "titles with the highest {metric} on my channel", "best {metric} titles on my channel", "my top titles by {metric}",
        "what titles earned my best click-through rate", "which video titles of mine pull the most {metric}",
        "which titles did best for {metric}", "titles that got the most clicks on my channel",
        "I'd like to understand how my channel has been doing with my last few uploads",
        "can you check if my newest video is doing better or worse than what I normally get",
        "please show me the numbers of my channel, i want see {metric}",
        "my last {n} videos feel like they flopped, can you confirm with my data",
        "which of my own uploads held the audience best",
        "give me a rundown of my channel's recent performance",
        "has my {metric} been improving over my recent uploads",
        "look at my studio data and tell me which videos worked",
    ],
    "analyze_script": [
        "what hooks does this transcript have", "find the strongest moments of my script", "rate the hooks in this script",
        "where are the hooks in my video", "check my intro for a hook", "is the opening of this script strong",
        "analyse this transcript", "split the transcript into time buckets", "what's the first 30 seconds like in this script",
        "what is this video about and who is it for", "find hooks", "look at my transcript and tell me the hooks",
        "where would viewers drop off in this script", "just hooks, no titles", "give me the hook analysis only",
        "analyze the captions i attached", "does my video grab attention early?", "how strong is my hook",
        "find the attention grabbers in this srt", "hook analysis of my script pls", "scan the transcript for hooks",
        "what are the best lines in this script", "check the first minute of my script", "go through my script",
        "analise my srt file", "tell me the topic, audience and hooks of this video", "is my intro boring?",
        "which timestamps have the best hooks", "score the hooks of this video", "review my script\'s opening 10 seconds",
        "hooks only please, titles later", "don't write titles, just find the hooks", "no titles yet, what grabs attention here",
        "show me where this script hooks viewers", "how catchy is the start of this transcript", "hook breakdown by time",
        "what entities and topics are in this transcript", "does anything in here hook the viewer",
        "could you go through this transcript and point out the moments that grab people",
        "i paste my script below, please you find where is the hook",
        "before writing any titles, just tell me what the strong moments in this video are",
        "I'd like a breakdown of the attention-grabbing parts of this script",
        "where does this script catch the viewer",
    ],
    "generate_titles": [
        "write some titles for this transcript", "title ideas please", "give me {n} titles for this video",
        "what should i title this", "help me title this video", "make me titles from this script",
        "suggest some clickable titles for my upload", "turn this transcript into title options",
        "I need a good title for this one", "can you name my video", "come up with titles based on the hooks",
        "generate titles for my channel {channel}", "titles for this script for {channel}", "titles from those hooks",
        "now write titles", "write titles based on the hooks you found", "brainstorm titles for my video",
        "{n} title ideas for a video where I {activity}", "title ideas for a video about {topic}",
        "I'm making a video about {topic}, what should I call it?", "help me name a video where I {activity}",
        "need titles for my next video on {topic}", "gimme titles for my new vid", "titel ideas for this",
        "can u make a title for my video", "write me a catchy title for this srt", "i dont know how to call this video, help",
        "generate youtube titles", "titles please, transcript below", "what could i name this upload",
        "give me title options for this short", "some title ideas for my {topic} video",
        "name ideas for this upload", "what would be a good title for this", "write {n} titles from this transcript",
        "titles for a video where I {activity}", "title suggestions for my video about {topic}",
        "can you come up with a title for a video about {topic}", "i need a catchy name for my {topic} vid",
        "help me title a video where I {activity}", "pls write titles for my new upload",
        "I'm stuck on what to call my upcoming video about {topic}, any ideas?",
        "could you think of a few names for a video where I {activity}",
        "please you can make title for my video, it is about {topic}",
        "i need help with title, the video is when i {activity}",
        "I filmed a video where I {activity} and I have no idea how to title it",
        "what would you name a {topic} video if it were yours",
        "throw some title options at me for a {topic} upload",
        "pitch me a few titles, the episode covers {topic}",
        "my next upload: me trying to {activity}. titles?",
        "I'd love a handful of headline ideas for a video on {topic}",
    ],
    "search_creators": [
        "find {niche} creators on youtube", "{niche} influencers on instagram over {size} followers",
        "who could I collab with in {niche}", "youtubers like {creator} but smaller", "accounts similar to {creator}",
        "{niche} youtubers under {size} subscribers", "instagram {niche} accounts with high engagement",
        "{demonym} {niche} creators", "{niche} creators in {country}", "micro influencers for {niche}",
        "find me {niche} channels between {size} and {size2} subs", "brands: find {niche} influencers for a campaign",
        "who are the top {niche} creators on instagram", "recommend {niche} youtubers for a sponsorship",
        "find partners for a collab, I do {niche}", "list {niche} creators with good engagement",
        "which creators are like {creator}", "find creators to work with", "looking for {niche} instagrammers from {country}",
        "youtube channels about {niche} with less than {size} subscribers", "nano influencers in {niche}",
        "we're a brand in {niche}, who should we sponsor", "creators in {niche} I could do a collab video with",
        "channels like {creator} that are still small", "top {niche} accounts on instagram", "who makes {niche} content in {country}",
        "{niche} creators with engaged audiences", "find youtubers similar to {creator}", "influencers for a {niche} campaign under {size}",
        "find people like {creator} on instagram", "collab ideas: {niche} creators around {size} subs",
        "who shud i collab with", "find infuencers in {niche}", "any {niche} creators bigger than {creator}?",
        "search for {niche} youtubers from {country} with over {size} subs",
        "I'd like to partner with someone in {niche}, who would be a good fit",
        "please help me find youtubers of {niche} in {country} for working together",
        "who's making {niche} videos at around my size that I could reach out to",
        "any {niche} people on instagram worth contacting for a collab?",
        "we're launching a {niche} product and need creators with {size}+ followers",
        "suggest some channels in the same space as {creator} that might say yes to a collab",
    ],
    "use_title": [
        "I think I'll pick the {ord}", "number {n}, that's what I'm using", "I pick #{n}", "my title will be \"{title}\"",
        "I'm going to call it \"{title}\"", "let's use the {ord} title", "going with option {n}",
        "#{n} is the one, I'm using it", "I choose the {ord} suggestion", "final answer: \"{title}\"",
        "I'll name the video '{title}'", "ok I'm using {n}", "taking the {ord} one", "decided on number {n}",
        "that's my title then", "I'll use that one", "im going w the {ord}", "the {ord} one, that's the title I'll upload with",
        "set \"{title}\" as my title", "I\'m using my own title \"{title}\"", "changing my mind, the {ord} one instead",
        "that's the one I'll publish with", "publishing with #{n}", "we're going with \"{title}\"", "gonna use the {ord}",
        "the title is going to be \"{title}\"", "I'll upload it as \"{title}\"", "i choose number {n}",
        "{ord} one please, that's my pick", "my pick is #{n}", "go with the {ord} title",
        "actually number {n} instead", "use \"{title}\" for this video",
        "alright, I've decided, the {ord} one goes on the video",
        "i will take the title number {n} for my video",
        "ok let's lock in #{n}",
        "I'm settling on \"{title}\" for this upload",
    ],
    "record_feedback": [
        "bookmark the {ord} title", "keep number {n} for later", "👍 on #{n}", "👎 for the {ord}", "I like #{n}",
        "number {n} is terrible", "drop the {ord} one, {reason}", "not a fan of the {ord} one", "love number {n}!",
        "star the {ord} title", "copied #{n}", "I tweaked #{n} to \"{title}\"", "I edited the {ord} one into \"{title}\"",
        "reject {n}, {reason}", "the {ord} title is {reason}", "save #{n}", "ditch the {ord}", "number {n} is great",
        "these titles are awesome", "none of these are good", "I rewrote number {n} as '{title}'", "the {ord} is meh",
        "keep the {ord} one", "thumbs up to the {ord}", "dislike number {n}",
        "number {n} is trash", "the {ord} one is my favourite", "hate #{n}", "good one, #{n}", "#{n} is too long",
        "the {ord} feels {reason}", "not #{n}, {reason}", "{n} is nice, save it", "meh on the {ord}", "I copied the {ord} one",
        "I changed #{n} a little: \"{title}\"", "remove #{n} from the list", "nice, the {ord} is strong", "put #{n} on my shortlist",
        "honestly the {ord} one doesn't feel like me",
        "the {ord} title is close but I'd save it for later",
        "not feeling number {n} at all, {reason}",
        "i like very much the title number {n}",
    ],
    "show_memory": [
        "tell me what you know about me", "what have you learnt from my feedback", "show my preferences",
        "what's in my creator dna", "show me my voice profile", "what do you remember about me",
        "what kind of titles do I like according to you", "show what you've learned", "my learned preferences?",
        "how do I talk in my videos according to you", "what's my channel's performance memory",
        "which of my uploads do you remember as best", "tell me what you learned about my style",
        "what do u remember abt my taste", "show my profile", "what did you learn from my choices",
        "do you remember which titles I rejected", "what patterns did you notice in my picks", "show my saved preferences",
        "whats my dna", "recap what you know about my channel and me",
        "what have you picked up about my style", "what do you think I like in titles", "show me my taste profile",
        "what's stored about me", "how would you describe my voice", "which titles have I liked so far",
        "show my feedback history", "what did you learn about my preferences",
        "please tell me what you learned about me until now",
    ],
    "edit_memory": [
        "forget that I hate numbers in titles", "stop thinking I like listicles", "delete my preferences",
        "wipe my voice profile", "reset my creator dna", "erase all you know about me", "clear my learned preferences",
        "forget about the question titles thing", "remove everything you learned", "forget my style",
        "forget I said I like long titles", "reset everything about me", "pls delete what u learned about me",
        "I don't want you to remember my taste anymore", "forget that I prefer short titles",
        "undo what you learned from my last feedback", "you got me wrong, forget I like emojis", "clear my dna please",
        "wipe my data", "erase what you know about my voice",
        "forget my preferences please", "start over, forget everything about me", "delete my creator dna",
        "forget that I don't like questions", "that's wrong, forget it", "erase my title preferences",
        "that preference you noted is wrong, please delete it",
        "i want you forget my style, start fresh",
    ],
    "learn_voice": [
        "learn how I speak from my channel {channel}", "build my voice profile from {channel}",
        "study my transcripts and learn my style", "create my creator dna from my channel {channel}",
        "learn my voice from these transcripts", "figure out my speaking style from my videos",
        "analyse how I talk across my channel {channel}", "make a voice profile for me",
        "learn my style from 3Blue1Brown, that's my channel", "set up my creator dna", "learn my writing voice",
        "pick up my tone from my {channel} transcripts", "remember how I talk, here are my scripts",
        "learn my voice", "study the way I talk on {channel}", "learn my speaking style from {channel}'s videos",
        "make my creator dna from my {channel} channel", "analyse my voice from these scripts and remember it",
        "go through my channel {channel} and get a sense of how I talk",
        "please learn my way of speaking from my videos",
    ],
    "followup": [
        "filter those to shorts only", "only shorts", "just long-form please", "long form only, no shorts", "now only {year} onwards",
        "just from {year}", "only ones since {year}", "between {year} and {year2} only", "last 6 months only",
        "same thing for {channel}", "same but for {channel}", "now do {channel}", "and for {channel}?",
        "what about {channel}?", "try {channel} instead", "how about instagram", "what about youtube instead",
        "same but on instagram", "only above {mult}x", "just the {mult}x ones", "only the big outliers",
        "same search but shorts", "can you filter that to {year}", "drop the shorts", "exclude shorts please",
        "do the same for {channel} and {channel2}", "now only the ones with more than {mult}x", "more like that but from {year}",
        "just {channel}", "only {channel} please", "only {country}", "same but smaller creators", "same but under {size}",
        "now bigger ones, over {size}", "and with high engagement?", "what about in {country}?",
        "now show me the top {n}", "just the last {n}", "same for the last {n} uploads", "by {metric} instead",
        "and the previous year?", "same query, long videos only", "ok now filter shorts out",
        "ok but only the shorts this time",
        "can you redo that for {channel}",
        "same, but limited to {year} and later",
        "now the same thing on instagram",
        "do that again but only long videos",
    ],
    "none.greeting": [
        "yo", "hiya", "hello!!", "heyyyy", "sup", "good morning cortex", "hey there 👋", "hola", "morning!", "hey hey",
        "hello cortex", "hi there, I'm new here", "greetings", "hey, how are you?", "hi im a new youtuber",
        "howdy", "hello, anyone there?", "hey there cortex!", "hi hi", "what\'s up", "good afternoon", "hallo", "hey friend",
        "hi, nice to meet you", "good evening to you", "hey! quick hello", "yo cortex", "hello hello", "heya 😊",
        "hi, I just signed up", "bonjour", "morning team", "hey whats good",
        "good day!",
        "hi, hope you're well",
    ],
    "none.thanks": [
        "thx", "massive thanks", "cheers!", "appreciate it 🙏", "great, thanks a lot", "perfect ty", "awesome thank u",
        "nice, that helps", "thanks mate", "cool, thank you", "super useful, thanks", "ty!", "many thanks",
        "that's great, thank you", "ok got it", "alright, cool", "sweet", "nice one", "thanks, that's all for now",
        "perfect, that\'s what I needed", "ok thank you bye", "great job", "love it, thanks", "ok",
        "thank you!!", "ty so much", "thanks for the help", "got it, thanks", "amazing, thank you", "cool cool",
        "noted, thanks", "awesome", "great stuff", "that was helpful", "okay great", "thanks a bunch 🙌",
        "thank you very much for this",
        "brilliant, thanks so much",
    ],
    "none.help": [
        "what are you able to do", "how do i use this", "what are your features", "who built you", "are you an AI?",
        "what is creator cortex", "what kind of things can I ask you", "how does this thing work", "what do you do exactly",
        "help", "what can you help me with", "what are you", "can you explain what this tool is for",
        "is this free?", "what data do you use", "how do you score titles", "where does your data come from",
        "show me what you can do", "list your capabilities", "what should I ask you", "are you chatgpt",
        "how are the scores calculated", "what is an outlier multiplier",
        "what can I do here", "what are you good at", "what features do you have", "how do I get started",
        "what questions can you answer", "tell me about yourself", "who are you exactly", "what is this app",
        "is my data private", "what does the grade mean", "what model are you",
        "what sort of things are you able to help with",
        "please explain me what you can do",
        "how can you help my channel",
    ],
    "none.advice": [
        "does title length even matter?", "what should I name my channel?", "how often should I post?",
        "is it better to upload shorts or long videos?", "how do I get more subscribers fast", "should I put numbers in my titles?",
        "what's a good CTR for a small channel?", "how long should a youtube intro be", "should I use all caps in titles",
        "is clickbait bad for the algorithm", "how do I make better thumbnails", "what time of day should I upload",
        "how many tags should i use", "does deleting videos hurt my channel", "how do I monetize my channel",
        "should I buy a better camera or better mic first", "how do I deal with hate comments",
        "is it too late to start a youtube channel", "how do i write a good video description",
        "do hashtags help on youtube", "how do sponsorships work", "should I show my face on camera",
        "how do I come up with video ideas", "what editing software should I use", "what's the youtube partner program",
        "how do I get my first 1000 subscribers", "should my titles be questions?", "is it ok to reupload a video",
        "how can I grow on instagram reels", "does the algorithm like long videos", "how to make my channel name catchy",
        "what makes a good hook in general", "why did my views drop suddenly", "should I change my channel niche",
        "how much do youtubers earn per view", "what\'s the best video length for youtube",
        "are long titles bad?", "should my channel name include my niche", "how many times a week should I upload",
        "do shorts hurt long form views", "is a 3% ctr bad", "should I use emojis in titles", "what's a good title length",
        "how do I pick a niche", "what's the best camera for beginners", "how do I get more comments",
        "is it worth buying subscribers", "should I post on weekends", "how do I write a good hook in general",
        "is posting every day too much for a small channel?",
        "do you think shorts help a new channel grow?",
        "should I talk about my personal life in videos?",
        "how important is the first frame of a video",
        "is it better to have a face in thumbnails or not",
        "do longer videos get recommended more",
        "what's a reasonable upload schedule if I work full time",
    ],
    "none.off_topic": [
        "capital of canada?", "book me a hotel in rome", "write a javascript function that reverses a string",
        "what's 45 divided by 9", "tell me a fun fact about dolphins", "who won the world cup in 2018",
        "best sushi restaurant in town?", "translate thank you into japanese", "my laptop won't turn on, help",
        "will it rain this weekend", "what's the meaning of life", "recommend a netflix series", "how tall is mount everest",
        "convert 100 usd to euros", "what should I eat for dinner", "write a poem about the sea",
        "how do I file my taxes", "who is the president of france", "explain quantum computing",
        "set an alarm for 7am", "what's the score of the lakers game", "how do I bake banana bread",
        "give me a workout plan", "can you order me a pizza", "what year did the titanic sink", "summarize the news today",
        "how many legs does a spider have", "fix my excel formula", "what's bitcoin worth right now",
        "write my college essay", "how do I change a tire",
        "what's the best laptop for gaming", "plan my trip to lisbon", "what is 15% of 80", "who painted the mona lisa",
        "recommend a book", "help me write a cover letter", "what's a healthy breakfast", "how far is the moon",
        "tell me a riddle", "debug my python code", "is it going to snow tomorrow", "what time is it in tokyo",
        "how do you say \"see you later\" in italian", "what does \"carpe diem\" mean", "spell check this: \"recieve\"",
        "is \"irregardless\" a real word", "rhymes for \"orange\"?",
        "write a birthday message for my mom",
        "what's the best pizza topping",
        "who will win the election",
        "explain how vaccines work",
    ],
    "none.vague": [
        "idk what to do", "make it better", "can you help me grow", "my channel is dying", "fix my stuff", "what now",
        "thoughts?", "do your thing", "help me out", "i want to go viral", "any ideas?", "something is wrong with my channel",
        "improve it", "what do you think", "can you look at it", "i'm stuck", "give me advice", "hmm", "do it again",
        "what about this", "check this", "my video", "help me with youtube",
        "anything else?", "next", "more", "why?", "tell me more",
        "help pls", "i dont get it", "views are low", "fix it", "can you do something", "improve my channel",
        "what do i do now", "any suggestions", "do something cool", "nothing works", "help me get famous",
        "hmm ok",
        "help with my stuff",
        "just fix everything",
        "idk, ideas?",
    ],
}
"""Templates per label; the slots are filled from the lists above."""

# ------------------------------------------------------------------------------------------------------------------
# Pre-production tools (issue 23): check_promise, check_idea. A block of their own, so merges with the templates
# above stay easy.
# ------------------------------------------------------------------------------------------------------------------

TEMPLATES |= {
    "check_promise": [
        "does my video deliver what the title \"{title}\" promises?", "check the promise of \"{title}\" against my script",
        "when does my video actually get to what \"{title}\" says?", "is the title '{title}' kept early in the video?",
        "promise check on my titles please", "do these titles match what the video delivers?",
        "how long until my video pays off the title {title}", "does the intro deliver on the title or is it clickbait",
        "check whether my script keeps the title's promise in the first 30 seconds",
        "at what timestamp do I first talk about what the title says?", "is my title misleading for this transcript",
        "where in the transcript is \"{title}\" first delivered", "title vs content check: {title}",
        "does the video match the title \"{title}\" or do viewers wait too long",
        "check if the first half minute delivers the promise of my title", "run the promise guard on the titles you gave me",
        "do my titles overpromise compared to the script?", "is the payoff for '{title}' too late in my video",
        "which line should I move up so the video keeps the title's promise?", "does my opening match my title",
        "title promise check for '{title}'", "will viewers feel baited by \"{title}\" with this script?",
        "how quickly does this transcript get to the point of the title", "check the titles against the transcript",
    ],
    "check_idea": [
        "is a video about {topic} worth making?", "should I make a video on {topic} for my channel {channel}?",
        "is {topic} a good video idea", "validate my video idea: {topic}", "idea check: {topic}",
        "would a video on {topic} do well in my niche?", "is {topic} too crowded to make a video about",
        "is the topic {topic} saturated on youtube", "has my channel {channel} already covered {topic}?",
        "what topics outperform in my niche that I haven't covered", "find gaps in my niche for {channel}",
        "is it worth doing a video about {topic} in {year2}?", "thinking of a video on {topic}, good idea?",
        "does the data say {topic} is worth a video", "should {channel} cover {topic}?",
        "idea: {topic}. worth it or skip?", "rate my video idea about {topic}", "is there demand for a {topic} video",
        "check my next video idea, it's about {topic}", "would {topic} beat my usual views?",
        "how did videos about {topic} perform and is it crowded", "what should I make next that nobody on my channel has done",
        "is {topic} an outlier topic in the {niche} niche", "gap analysis for my channel {channel}",
    ],
}

# ------------------------------------------------------------------------------------------------------------------
# Pre-production, continued (issue 23b): develop_hooks, outline_script. Their own block, as above.
# ------------------------------------------------------------------------------------------------------------------

TEMPLATES |= {
    "develop_hooks": [
        "write 5 intro hooks for a video about {topic}", "give me hook ideas for my next video on {topic}",
        "I need an opening for a video about {topic}, something that grabs people in the first 20 seconds",
        "draft some intros for my {topic} video in my own voice", "hooks for a video about {topic} in {channel}'s voice",
        "how should I open my video about {topic}?", "write me a cold open for a {topic} video",
        "brainstorm opening lines for {topic}", "5 different ways to start a video about {topic}",
        "what should I say in the first 30 seconds of my {topic} video", "help me write the intro for this draft",
        "give me intro hooks based on my script", "write hooks for this script in my style",
        "a question hook, a story hook and a stakes hook for {topic} please", "develop the hook for my video on {topic}",
        "my intros are boring, write better openers for a video on {topic}", "how do I hook viewers at the start of a {topic} video",
        "write the first 20 seconds of a video about {topic} like {channel} would", "intro ideas for {topic}, sounding like me",
        "opening hook options for my draft", "can you write a strong intro for my next upload about {topic}",
        "suggest some attention grabbing openings for {topic}", "hook variations for my {topic} video, different types",
        "write an intro for a {topic} video that keeps people watching",
    ],
    "outline_script": [
        "outline a {n} minute video about {topic}", "give me a structure for my next video on {topic}",
        "plan the sections of a {n}-min video about {topic} with timestamps",
        "how should I structure a video about {topic}?", "make me a video outline for {topic} like {channel}'s best videos",
        "script outline for {topic}, about {n} minutes long", "break my {topic} video into sections with timings",
        "where should the payoff go in a {n} minute video", "turn this draft into an outline with timestamps",
        "outline this script for me", "what sections should my {topic} video have and how long each",
        "video structure for {topic}: hook, setup, main part, call to action", "map out a {n} minute video on {topic}",
        "plan my video about {topic}, when should the hook end and the CTA come", "storyboard the beats of a video about {topic}",
        "create a running order for my {topic} video", "how long should each part of my {n} minute video be",
        "outline for a {topic} explainer in the structure of {channel}", "give me a timestamped plan for a video on {topic}",
        "I'm writing a script about {topic}, what's the structure?", "segment plan for a {n} min {topic} video",
        "how do I pace a {n} minute video about {topic}", "build me an outline for this draft, same length",
        "section by section plan for my next upload about {topic}",
    ],
    "title_outcomes": [
        "how did the titles I used do?", "did my titles perform like you predicted?", "show me predicted vs actual for my titles",
        "how did the title I picked last month do", "was your prediction right about my last video title?",
        "compare the score you gave my title with how the video actually did", "how are my chosen titles performing",
        "did the title I went with get a good CTR?", "results of the titles I used", "track how my used titles did after 30 days",
        "how did \"{title}\" do after I published it?", "what did you learn from how my titles did",
        "were your title predictions accurate for my channel", "check the outcome of the titles I chose",
        "how many views did the videos with your titles get", "did \"{title}\" beat my usual views like you said?",
        "title performance report for the ones I used", "my video with your title is out, how did it do vs the prediction",
        "7 day and 30 day results for my titles", "is your scorer calibrated for my channel?",
        "how did my last titles do on {channel}", "predicted score vs real CTR for my used titles",
        "follow up on the titles I used, did they work?", "learn from how my published titles performed",
    ],
}

# ------------------------------------------------------------------------------------------------------------------
# More ways to ask (issue 15, fourth round): the labels group cross-validation over this training set found weakest
# (recall of held-out templates 0.67-0.86: title_outcomes, use_title, show_memory, check_promise, develop_hooks,
# outline_script, check_idea, and the kinds of message no tool answers). Written fresh, from how creators ask, not
# from any eval message; appended, so the templates above keep their groups.
# ------------------------------------------------------------------------------------------------------------------

MORE_TEMPLATES = {
    "title_outcomes": [
        "it's been {n} days since I posted the video with \"{title}\", was your guess right?",
        "how close was your prediction for \"{title}\" to what actually happened",
        "the video titled \"{title}\" went live last week, how is it doing against your forecast",
        "did my published titles live up to your scores", "grade your own predictions on the titles I uploaded with",
        "did the titles you helped me pick get more clicks than my usual ones",
        "look back at the titles I chose and tell me if they paid off",
        "results are in for \"{title}\", compare them to what you expected",
        "did the one I picked from your list actually outperform", "hindsight check on the titles I went with",
        "after {n} days, how does my chosen title compare to your prediction",
        "were you right about my titles or not", "how accurate were your title grades once the videos came out",
        "show the table of predicted vs real for my uploads", "did my chosen titles flop or win compared to your forecast",
        "you said \"{title}\" would do {mult}x, what did it actually do",
        "check if the title I went with last time got the views you predicted",
        "how did the titles from our last session do in the real world",
        "track record of your predictions on my channel {channel}", "what's your hit rate on my titles so far",
    ],
    "use_title": [
        "ok {ord} it is", "the winner is number {n}", "I'm sold on the {ord} one, using it", "lock it in: \"{title}\"",
        "publishing today as \"{title}\"", "that {ord} title is going on my thumbnail video", "yep, #{n} is my final title",
        "put #{n} on the video", "let's roll with the {ord}", "we'll go with \"{title}\" for the upload",
        "final pick: number {n}", "sticking with \"{title}\" as the real title", "use option {n} for my upload",
        "I'm naming the upload \"{title}\"", "the {ord} one gets published",
    ],
    "show_memory": [
        "what do you have saved on me", "remind me what you learned about my channel",
        "show me everything you remember from our chats", "which preferences have you stored for me",
        "what does my memory look like", "print my creator profile", "what have you noted about the titles I like",
        "can I see what you know about my style", "list what you remember about me",
        "what's on file about my voice and preferences", "summarise my profile", "show my memory",
    ],
    "check_promise": [
        "my title says {n} tips, does the script get to them fast enough?",
        "how many seconds into the video do I deliver on \"{title}\"",
        "make sure the video backs up the title \"{title}\" early", "is my title honest about what's in this transcript",
        "does this script open with what the title promises", "would a viewer clicking \"{title}\" find it in the first minute",
        "check each of these titles against the opening of my script", "find where the title's claim shows up in the video",
        "the title promises a lot, does the intro pay it off?", "are my titles clickbait compared to the actual video",
        "timestamp where the video first delivers \"{title}\"", "match check: title versus script opening",
    ],
    "develop_hooks": [
        "write the opening lines for my {topic} video", "I need a killer first sentence for a video on {topic}",
        "pitch me a few intros for {topic} that sound like me", "come up with hooks for a {topic} upload",
        "write me {n} possible intros for the video I'm planning about {topic}",
        "rewrite my intro so it hooks people, the video is about {topic}",
        "what could I say at the very start to keep people watching a {topic} video",
        "draft a story hook and a question hook for {topic}", "create some hooks for my video idea: {topic}",
        "new hooks please, the topic is {topic}", "write hooks, not titles, for {topic}",
        "give me an intro script for the first 15 seconds about {topic}",
    ],
    "outline_script": [
        "help me structure my {topic} video", "lay out the parts of a {n} minute {topic} video",
        "what's a good outline for a video on {topic}", "plan the chapters for my {topic} upload",
        "give me the beats of a {n} min video about {topic} with timestamps",
        "how do I organise a {topic} video from intro to call to action", "write an outline, not a script, for {topic}",
        "timeline for my next video on {topic}, around {n} minutes", "draft chapters with times for a {topic} video",
        "what order should I cover things in a video about {topic}", "skeleton of a {topic} video please",
        "structure this draft into sections with target times",
    ],
    "check_idea": [
        "should I even make a video about {topic}", "is {topic} worth my time as a next video",
        "would my audience care about a video on {topic}", "do videos about {topic} still get views",
        "is {topic} overdone on youtube right now", "tell me if {topic} is a good bet for my next upload",
        "is {topic} a topic that blows up in the {niche} niche", "what does the data say about making a {topic} video",
        "is there room for one more {topic} video", "I'm torn on a {topic} video, worth it?",
        "which topics am I missing that do well for others in {niche}", "sanity check my video idea about {topic}",
    ],
    "none.vague": [
        "can u help", "so what should I do", "ok and?", "what's next", "any thoughts on this", "make it pop",
        "just tell me something", "please help me", "what's up with my views",
    ],
    "none.help": [
        "what can this bot do", "how does this work exactly", "what am I supposed to type here",
        "give me some examples of what to ask", "what kinds of requests do you take", "explain how to use you",
        "do you only do titles?", "what else can you do besides titles",
    ],
    "none.advice": [
        "how often should I upload", "is it better to post shorts or long videos", "does the upload time matter",
        "should I use hashtags in my titles", "how long should my videos be",
        "is it bad to delete old videos", "should I reply to every comment", "how do I get my first 1000 subscribers",
        "is it worth buying a better camera", "what makes a good thumbnail", "should I change my channel name",
    ],
    "none.off_topic": [
        "what's the weather in berlin", "recommend me a podcast", "how do I make cold brew", "tell me a fun fact",
        "what's a good name for my dog", "help me plan a birthday party", "how do I learn to code",
    ],
}

# A fifth round (issue 23): a video described as a how-to clause ("how I would ... if I started over") read like the
# content of a hook, so "write titles for my video about how I would ..." went to develop_hooks. The same clauses in
# the requests of every pre-production tool and of titles, so what is asked for (titles, hooks, an outline, a verdict)
# decides, not the topic's wording. Written fresh, not from any eval message.
HOW_TO_TEMPLATES = {
    "generate_titles": [
        "write titles for my video about {howto}", "title ideas for my video: {howto}", "what should I call a video on {howto}?",
        "give me titles, the video is {howto}", "I need a title for my upload about {howto}",
        "help me name my video, it's {howto}",
    ],
    "develop_hooks": [
        "write intro hooks for my video about {howto}", "how should I open a video on {howto}?",
        "hooks for my video: {howto}", "give me a few openings for my video about {howto}",
    ],
    "outline_script": [
        "outline my video about {howto}", "structure a {n} minute video on {howto}",
        "plan the sections of my video: {howto}",
    ],
    "check_idea": [
        "is a video about {howto} worth making?", "should I make a video on {howto}?",
        "would a video on {howto} do well for my channel?",
    ],
}

HOW_TOS = [
    "how I would learn to cook if I started over", "how I'd rebuild my savings after losing my job",
    "how to pick your first road bike", "how I would get fit at 40 starting from zero",
    "how I plan a week of meals on a tight budget", "how to learn a language during your commute",
    "how I'd start a vegetable garden with no yard", "how I paid off my car loan early",
    "how to shoot cinematic video with just a phone", "how I would grow a channel from zero this year",
    "how to negotiate your first salary", "how I organise my whole week in one hour",
]
"""How-to clauses that describe a video ({howto} in the fifth round of templates)."""

for _label, _more in [*MORE_TEMPLATES.items(), *HOW_TO_TEMPLATES.items()]:
    TEMPLATES[_label] = TEMPLATES[_label] + _more

ACTIVITIES = ["build a cabin in the woods", "test cheap vs expensive knives", "learn to skate at 35",
              "cook every meal in a rice cooker for a week", "fix up my grandpa's old car", "try to go a month without my phone",
              "hike across Scotland alone", "review the weirdest gadgets on amazon", "run my first marathon",
              "turn my garage into a studio", "visit every pizza place in my city"]

TARGET = {"none": 90, "followup": 200}
"""Requests per label (tools: ``TOOL_TARGET``); a template is used at least once."""
TOOL_TARGET = 150

PREFIXES = ["hey, ", "quick question: ", "ok so ", "yo ", "hi! ", "hey cortex, ", "so, ", "um ", "please ", "can you ", ""]
PREAMBLES = [
    "I've been uploading for a year and growth is slow. ", "my channel is about {niche} and I'm at {size} subs. ",
    "so I run a small {niche} channel and I'm trying to figure things out. ",
    "context: I post twice a week, mostly {niche}, and views have been flat since {year}. ",
    "I'm not a native speaker sorry for my english. ",
    "quick context, I do {niche} videos for a small audience, mostly from {country}. ",
    "I've tried a lot of things and nothing sticks, so here goes. ",
]
EMOJI = [" 🙏", " 🔥", " 😅", " 👀", " 🚀", " :)", " lol", " 🤔", "!!"]
SLANG = [(r"\byou\b", "u"), (r"\byour\b", "ur"), (r"\bplease\b", "pls"), (r"\bvideos\b", "vids"),
         (r"\babout\b", "abt"), (r"\bthanks\b", "thx"), (r"\bwith\b", "w"), (r"\bbecause\b", "bc")]


def _fill(template: str, rng: random.Random) -> tuple[str, list[str]]:
    mentions: list[str] = []
    values: dict[str, str] = {}

    def channel(key: str) -> str:
        name = rng.choice([c for c in CHANNELS if c not in mentions] or CHANNELS)
        mentions.append(name)
        spelled = rng.choice([name, *CHANNEL_SPELLINGS.get(name, [])]) if rng.random() < 0.3 else name
        if spelled != name:
            mentions.append(spelled)
        return spelled

    def creator(key: str) -> str:
        name = rng.choice(CREATORS)
        if name in CHANNELS:  # the router masks the corpus's channel names, as it does at run time
            mentions.append(name)
        return name

    a, b = sorted(rng.sample(YEARS, 2))
    n, n2 = rng.sample(NS[:6], 2)
    s1, s2 = sorted(rng.sample(SIZES[:6], 2), key=lambda s: float(s[:-1]) * (1e6 if s.endswith("M") else 1e3))
    plain = {"title": rng.choice(TITLES), "topic": rng.choice(TOPICS), "niche": rng.choice(NICHES),
             "country": rng.choice(COUNTRIES), "demonym": rng.choice(DEMONYMS), "metric": rng.choice(METRICS),
             "ord": rng.choice(ORDS), "size": s1, "size2": s2, "year": a, "year2": b, "mult": rng.choice(MULTS),
             "n": n, "n2": n2, "reason": rng.choice(REASONS), "activity": rng.choice(ACTIVITIES)}
    plain["title2"] = rng.choice([t for t in TITLES if t != plain["title"]])
    for key in re.findall(r"\{(\w+)\}", template):
        if key in values:
            continue
        values[key] = (channel(key) if key.startswith("channel") else creator(key) if key == "creator"
                       else rng.choice(HOW_TOS) if key == "howto" else plain[key])
    return template.format(**values), mentions


def _typo(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    spots = [i for i, w in enumerate(words) if w.isalpha() and len(w) > 4 and not w[0].isupper()]
    if not spots:
        return text
    i = rng.choice(spots)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    words[i] = rng.choice([w[:j] + w[j + 1:], w[:j] + w[j + 1] + w[j] + w[j + 2:], w[:j] + w[j] + w[j:]])
    return " ".join(words)


def _style(text: str, label: str, rng: random.Random) -> str:
    if rng.random() < 0.2:
        text = _typo(text, rng)
    if rng.random() < 0.25:
        for pattern, short in SLANG:
            text = re.sub(pattern, short, text)
    if label not in ("none.greeting", "none.thanks") and rng.random() < 0.15:
        text = rng.choice(PREFIXES) + text
    if not label.startswith("none.") and rng.random() < 0.07:
        preamble, _ = _fill(rng.choice(PREAMBLES), rng)
        text = preamble + text
    if rng.random() < 0.35:
        text = text.lower()
    if rng.random() < 0.1:
        text = text.rstrip("?.!") + rng.choice(EMOJI)
    return text


def build(seed: int = SEED) -> list[dict]:
    """Every training request (see the module docstring), deterministic for a seed."""
    rows: list[dict] = []
    for label, templates in TEMPLATES.items():
        target = TARGET["none"] if label.startswith("none.") else TARGET.get(label, TOOL_TARGET)
        per = max(1, round(target / len(templates)))
        seen: set[str] = set()
        for t_index, template in enumerate(templates):
            rng = random.Random(f"{seed}:{label}:{template}")  # one stream per template: editing one changes no other
            slots = bool(re.search(r"\{\w+\}", template))
            for k in range(per if slots else min(per, 3)):
                text, mentions = _fill(template, rng)
                if k > 0 or (not slots and rng.random() < 0.5):
                    text = _style(text, label, rng)
                key = text.lower().strip()
                if key in seen:
                    continue
                seen.add(key)
                rows.append({"text": text, "label": label, "group": f"{label}:{t_index}", "mentions": mentions})
    return rows


def main() -> None:
    """Write the training set to ``PATH`` and print its size per label; with ``--cv``, then the router's recall per
    label on templates held out by group 5-fold cross-validation (``agent.intent.cross_validate``), to find the
    labels that need more ways of asking."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m evals.intents", description=main.__doc__)
    parser.add_argument("--cv", action="store_true", help="also cross-validate the router by template (~1 min)")
    cv = parser.parse_args().cv
    rows = build()
    PATH.parent.mkdir(parents=True, exist_ok=True)
    with PATH.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["label"]] = counts.get(row["label"], 0) + 1
    print(f"{len(rows)} requests -> {PATH}")
    for label, count in sorted(counts.items()):
        print(f"  {label}: {count}")
    if cv:
        from agent.intent import cross_validate

        for label, figures in cross_validate(rows).items():
            print(f"{label:18s} recall {figures['recall']:.3f} of {figures['n']}  {figures.get('confused_with', '')}")


if __name__ == "__main__":
    main()

