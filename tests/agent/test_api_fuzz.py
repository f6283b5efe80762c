"""The HTTP API under schemathesis (property-based requests from its own OpenAPI spec, over real HTTP against a
`cortex serve` process): every check, stateful sequences along the links schemathesis infers (create a thread, then
read, patch, run and delete it), at least 1,000 generated requests, and not one server error, undocumented status,
schema-violating response or schema-violating request accepted.

One check is left out: ``positive_data_acceptance`` (ST202), which expects every schema-valid request to succeed.
Some are refused on purpose and JSON Schema cannot say why: text with a NUL or a lone surrogate, numbers past 64
bits (Postgres could not store them), an empty run, a resume when nothing waits (``agent.api.schemas``).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from agent import auth
from agent.server import spawned_service

MAX_EXAMPLES = 60
"""Generated requests per operation and phase: about 1,600 requests in all, 40 s on 2 cores."""


async def test_schemathesis_finds_no_server_error_and_no_schema_violation(db, tmp_path):
    _, key = await auth.create_key(db.pool, "schemathesis", label="tests")
    with spawned_service({"CORTEX_AUTO_INGEST": "false", "CORTEX_ENGINE": "offline"}) as service:
        result = subprocess.run(
            [str(Path(sys.executable).parent / "st"), "run", f"{service.url}/openapi.json", "--checks", "all",
             "--exclude-checks", "positive_data_acceptance", "--max-examples", str(MAX_EXAMPLES), "--seed", "1",
             "-H", f"x-api-key: {key}", "--report", "junit", "--report-dir", str(tmp_path)],
            capture_output=True, text=True, timeout=900, cwd=tmp_path,  # its cache stays out of the tree
        )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-6000:]
    generated = int(re.search(r"(\d+) generated", report).group(1))
    assert generated >= 1000, report[-3000:]
    assert "✅ Stateful" in report, report[-3000:]  # the stateful phase ran its sequences
