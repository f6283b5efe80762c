"""The Chainlit chat UI: ``app`` (login, threads, feedback buttons) and ``render`` (a run as steps, approvals)."""
