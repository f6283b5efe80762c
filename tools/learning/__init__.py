"""Learning each creator: the feedback on generated titles and what is learned from it (title preferences), their
Creator DNA (the voice of their own transcripts), their channel's performance memory, and the tools to show, edit
and erase it. Storage is ``memory.learning`` (feedback events, the per-creator store blocks).

- ``tool.py``: the five tools the model sees, thin: use_title (the creator uses a title; asks first),
  record_feedback (a reaction to a generated title), show_memory, edit_memory (asks first) and learn_voice. One
  module: together, thin, they stay well under 400 lines, and they share one engine (choices, signals, blocks).
- ``offline.py``: their offline-engine specs (example requests, clarifying questions, argument extractors, claims,
  applies).
- ``choices.py``: which generated title a creator means (``TitleChoice``, ``resolve_choice``, ``feedback_target``)
  and what they are told after a reaction (``feedback_reply``).
- ``signals.py``: the one feedback loop, ``record_signal`` (every chat, button and thumbs signal), and the rebuild of
  the preferences every ``REBUILD_EVERY`` actions.
- ``features.py``: the title features preferences are about (formula, method, angle, packaging, length band), read
  off a title.
- ``preferences.py``: the preference model (signal weights, smoothing, thresholds), its types, learning them from
  the feedback events, and what the creator reads about them.
- ``ranking.py``: re-ranking generated titles with the preferences, each move explained.
- ``forgetting.py``: forgetting one learned preference and erasing the blocks (edit_memory's engine).
- ``voice.py``: Creator DNA: the voice profile measured from transcripts (``VoiceProfile``, ``build_voice_profile``).
- ``voice_fit.py``: using a voice profile: what the creator reads, the LLM prompt block, a title's fit to the voice,
  the distance between two voices.
- ``transcripts.py``: a creator's transcripts, from the shared data or pasted in the conversation.
- ``blocks.py``: the memory blocks a generation run uses (``load_memory``, ``MemoryBlocks``: preferences, Creator
  DNA, the channel's ``Performance``) and "what have you learned about me?" (``memory_markdown``).
"""
