"""Pre-production: the steps before a video is published that the title and hook tools do not cover.

- ``promise.py``: the promise guard (check_promise): where on the timeline a title's promise (its key words and
  numbers) is first delivered, a warning after the first 30 seconds or never, and what to change;
- ``idea.py``: the idea check (check_idea): outliers on a topic in the niche, crowding, the channel's own coverage,
  and the niche's outperforming topics absent from the channel;
- ``hooks.py``: hook development (develop_hooks): five intro hooks of different types, in the creator's voice when
  their Creator DNA exists, scored with the hook rubric of ``tools.scripts.hooks``;
- ``tool.py`` the tools the model sees, ``offline.py`` the offline engine's spec of each.
"""
