"""The runtime: settings, the model gateway and offline engine, embeddings, the turn runner, the service (chat UI and
HTTP API), authentication, tracing and the ``cortex`` command."""
