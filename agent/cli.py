"""The `cortex` command: serve the product, ingest the corpus, talk to the agent from the terminal (``ask``, ``chat``:
one turn each through ``agent.turns.run_turn``), import analytics, manage API keys, forget a creator, run the
creator-search job and the evals.

Longer than 500 lines on purpose: it is one typer app, a flat list of thin commands (parse the options, make one
call into an engine, print), read top to bottom the way ``cortex --help`` lists them, and every command shares the
same few helpers (``_fail``, ``_on_database``, ``_progress``, the consoles); split into modules, each part would
import those helpers and register itself on the app, which adds indirection without removing a line of logic.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
import uuid
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from typer.core import TyperGroup

from agent.settings import SERVE_WORKERS_MAX, get_settings
from memory.db import DatabaseError
from memory.files import NotTextError, decode_text

app = typer.Typer(
    help="Creator Cortex: an AI strategist for YouTube creators. Run `cortex serve` for the chat UI.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
console = Console()
err = Console(stderr=True)


def _version(show: bool) -> None:
    if show:
        from importlib.metadata import version

        console.print(f"creator-cortex {version('creator-cortex')}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Creator Cortex: an AI strategist for YouTube creators. Run `cortex serve` for the chat UI."""


def _fail(message: str) -> None:
    err.print(f"[bold red]Error:[/] {message}")
    raise typer.Exit(1)


@app.command()
def config() -> None:
    """Print the effective settings (environment and .env), secrets masked."""
    table = Table("setting", "value", title="Creator Cortex settings")
    for name, value in get_settings().masked().items():
        table.add_row(name, value)
    console.print(table)


def _on_database(action, *errors: type[Exception]):
    """Run ``action(db)`` (a coroutine function of an open ``memory.db.Database``) and return its result; database
    errors and ``errors`` (input errors whose message says what to fix) end the command with that message."""
    from memory.db import Database

    async def run():
        async with Database.open(get_settings(), max_size=2) as db:
            return await action(db)

    try:
        return asyncio.run(run())
    except (DatabaseError, *errors) as exc:
        _fail(str(exc))


def _progress() -> tuple[Progress, Any]:
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=err)
    tasks: dict[str, Any] = {}

    def update(phase: str, done: int, total: int) -> None:
        if phase not in tasks:
            tasks[phase] = bar.add_task(phase, total=total)
        bar.update(tasks[phase], completed=done, total=total)

    return bar, update


@app.command()
def ingest(
    source: Annotated[list[str] | None, typer.Option(help="Only these sources (default: all).")] = None,
) -> None:
    """Load the real corpus (channels, videos, outlier multipliers, title vectors). Idempotent."""
    from memory.corpus.ingest import ingest_corpus
    from memory.corpus.sources import SOURCES
    from memory.db import Database

    unknown = set(source or []) - set(SOURCES)
    if unknown:
        _fail(f"Unknown source(s) {sorted(unknown)}; choose from {sorted(SOURCES)}.")
    settings = get_settings()

    async def run():
        bar, update = _progress()
        async with Database.open(settings) as db:
            with bar:
                return await ingest_corpus(db.pool, settings.data_dir, source or tuple(SOURCES), progress=update)

    try:
        report = asyncio.run(run())
    except (FileNotFoundError, DatabaseError) as exc:
        _fail(str(exc))
    console.print(
        f"{report.videos_read:,} videos of {report.channels:,} channels ({report.full_history_channels} with full "
        "upload histories) read; "
        f"{report.videos_inserted:,} inserted, {report.videos_updated:,} updated, "
        f"{report.titles_embedded:,} titles embedded ({report.embedding_model}) in {report.seconds:.1f} s."
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default CORTEX_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default CORTEX_PORT).")] = None,
    workers: Annotated[int | None, typer.Option(help="Processes serving the one port (default CORTEX_SERVE_WORKERS, "
                                                "1): each a whole service, sharing the database; "
                                                f"1 to {SERVE_WORKERS_MAX}.")] = None,
) -> None:
    """Start the service: the chat UI at / on the embedded database. The port answers at once; the first start
    ingests the corpus (progress bars here, on /health and on the chat page), then builds the creator index in the
    background. With --workers N, N processes serve the port (their progress is printed here line by line)."""
    import uvicorn

    from agent.auth import is_loopback
    from agent.serve import launch_app, run_workers

    settings = get_settings()
    if host:
        settings.host = host
    if port:
        settings.port = port
    workers = settings.serve_workers if workers is None else workers
    if not 1 <= workers <= SERVE_WORKERS_MAX:
        _fail(f"--workers (or CORTEX_SERVE_WORKERS) must be between 1 and {SERVE_WORKERS_MAX}, not {workers}: each process "
              "loads its own models and database connections; about one per CPU core is the most that helps.")
    if not is_loopback(settings.host):
        err.print(f"[yellow]Serving on {settings.host}, beyond this machine: the shared CORTEX_UI_PASSWORD no longer "
                  "signs anyone in; give each creator a password with `cortex users create NAME`.[/]")
    if workers > 1:
        logging.basicConfig(level=logging.WARNING, format="%(message)s")
        if not run_workers(settings, workers, lambda line: err.print(escape(line))):
            raise typer.Exit(1)
        return
    bar, update = _progress()
    bar.start()  # before the loggers: their lines then print above the bars
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    server: uvicorn.Server | None = None

    def stop() -> None:
        if server:
            server.should_exit = True

    # uvicorn re-raises the SIGTERM it stopped on: exit through Python then, so the atexit handlers run (the last
    # process using the embedded Postgres stops it) instead of dying of the signal and leaving Postgres running
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    launch = launch_app([update], on_failure=stop)
    server = uvicorn.Server(uvicorn.Config(launch, host=settings.host, port=settings.port, log_level="warning",
                                           lifespan="on"))
    try:
        server.run()
    finally:
        bar.stop()
    if launch.state.status == "failed":
        raise typer.Exit(1)


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(min=1, max=100, help="Jobs executed at once (background runs wait on "
                                             "the database and the model, so several share one process well).")] = 4,
    name: Annotated[str | None, typer.Option(help="The worker's name in the logs (default: worker).")] = None,
    schedule: Annotated[bool, typer.Option("--schedule/--no-schedule", help="Defer the scheduled refreshes when "
                                           "their time comes (with --no-schedule this worker still executes those "
                                           "other workers defer).")] = True,
) -> None:
    """Execute background work from the job queue in Postgres: the background runs of the HTTP API (POST
    /threads/{id}/runs) and the scheduled refreshes (connected channels, outlier scan, trending, creators; see the
    README's Scheduled work and `cortex jobs`). Start as many workers as you like, on this machine or others on the
    same database (DATABASE_URL; the embedded Postgres is shared by the processes of one machine). A worker killed
    mid-run is noticed after CORTEX_WORKER_STALLED_AFTER_S seconds and its runs go on in another worker from their
    last checkpoint. Stop it with Ctrl-C or SIGTERM: it takes no new job and finishes the ones it has."""
    from agent.worker import work

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    # exit through Python on SIGTERM too, so the atexit handlers run (the last process using the embedded Postgres
    # stops it); procrastinate stops taking jobs on the signal first
    try:
        asyncio.run(work(get_settings(), concurrency, name, schedule=schedule))
    except DatabaseError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None


jobs_app = typer.Typer(help="The job queue in Postgres: background runs and the scheduled refreshes `cortex worker` "
                       "executes. Without a command: list the jobs to do or needing attention.")
app.add_typer(jobs_app, name="jobs")


@jobs_app.callback(invoke_without_command=True)
def jobs_list(
    ctx: typer.Context,
    state: Annotated[list[str] | None, typer.Option(help="Only jobs in this state (repeatable): queued, postponed, "
                                                    "running, dead, done, cancelled, aborted.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Jobs in every state, done ones too.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many jobs, newest first.")] = 50,
) -> None:
    """List jobs: queued (due now), postponed (a retry's wait, or a spent YouTube quota until its reset), running and
    dead (failed for good), with their task, attempts, when they are due (UTC) and last error. `cortex jobs retry
    ID` queues a dead or postponed one again."""
    if ctx.invoked_subcommand is not None:
        return
    from datetime import UTC

    from agent.worker import TASK_LABELS
    from memory import jobs

    states = tuple(jobs.STATES) if all_ else tuple(state or jobs.ACTIVE)
    rows = _on_database(lambda db: jobs.list_jobs(db.pool, states, limit), ValueError)
    if not rows:
        console.print("No jobs." if all_ else f"No jobs {', '.join(states)} (`cortex jobs --all` lists done ones too).")
        return
    table = Table(title="Jobs")
    table.add_column("id", justify="right", no_wrap=True)
    for name in ("task", "state", "attempts", "due (UTC)"):
        table.add_column(name, no_wrap=True)
    for job in rows:
        due = job.scheduled_at and job.state in ("queued", "postponed") and f"{job.scheduled_at.astimezone(UTC):%Y-%m-%d %H:%M}"
        table.add_row(str(job.id), TASK_LABELS.get(job.task, job.task), job.state, str(job.attempts), due or "")
    console.print(table)
    for job in rows:  # below the table, so a long message stays readable in a narrow terminal
        if job.message:
            console.print(f"[bold]Job {job.id}[/], last error ({job.error_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC): "
                          f"{escape(job.message[:500])}")


@jobs_app.command("retry")
def jobs_retry(job_id: Annotated[int, typer.Argument(help="The job's id, as `cortex jobs` shows it.")]) -> None:
    """Queue a dead job again for one more execution, or run a postponed one now (a worker takes it)."""
    from memory import jobs

    job = _on_database(lambda db: jobs.retry_job(db.pool, job_id), jobs.JobError)
    console.print(f"Job {job.id} is {job.state} again: a worker (`cortex worker`) will execute it.")


@app.command()
def mcp(
    api_key: Annotated[str | None, typer.Option(envvar="CORTEX_API_KEY", show_envvar=True,
                                                help="The API key whose creator the tools act for.")] = None,
) -> None:
    """Serve the creator tools over MCP on stdin/stdout (for Claude Desktop and other MCP clients; see the README).
    The same tools answer over Streamable HTTP at /mcp on `cortex serve`."""
    from agent.mcp_server import serve_stdio

    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)  # stdout carries MCP
    try:
        asyncio.run(serve_stdio(api_key or ""))
    except (ValueError, DatabaseError) as exc:
        _fail(str(exc))


STOPPED = "you pressed Ctrl-C"
"""Why a turn of `cortex ask` / `cortex chat` ended early, as the note that closes the thread says it."""


@asynccontextmanager
async def _agent_session():
    """Open the database and yield ``turn(message, thread, creator, engine, verbose) -> messages``: one turn through
    the turn runner (``agent.turns.run_turn``), printing nodes and trace events when verbose and asking on the
    terminal before an action with side effects (``Approve? <the change>``)."""
    from langchain.agents.middleware.human_in_the_loop import HITLRequest, HITLResponse

    from agent.auth import claim_or_owned
    from agent.server import ensure_corpus
    from agent.turns import Stream, run_config, run_turn
    from graphs.conversation import persistent_graph
    from memory.db import Database, use_database
    from tools.base import CortexContext

    settings = get_settings()
    async with Database.open(settings, max_size=4) as db:
        use_database(db)
        try:
            await ensure_corpus(db.pool, settings)
            graph = persistent_graph(db)

            async def ask(request: HITLRequest) -> HITLResponse:
                return HITLResponse(decisions=[
                    {"type": "approve" if await asyncio.to_thread(
                        typer.confirm, f"Approve? {action['description']}", default=False, err=True) else "reject"}
                    for action in request["action_requests"]
                ])

            async def turn(message: str, thread: str, creator: str, engine: str | None, verbose: bool) -> list[Any]:
                if not await claim_or_owned(db.pool, thread, creator):
                    raise ValueError(f"Thread {thread} belongs to another creator: start a new thread (leave out --thread).")

                async def show(stream: Stream) -> None:
                    async for mode, chunk in stream:
                        if verbose and mode == "custom":
                            data = json.dumps(chunk.get("data"), default=str)[:400]
                            err.print(f"[cyan]trace[/] {chunk.get('name')}: {data}")
                        elif verbose:
                            for node in chunk:
                                err.print(f"[magenta]node[/] {node}")

                context = CortexContext(creator_id=creator, engine=engine, db=db, settings=settings)
                result = await run_turn(graph, {"messages": [("user", message)]}, run_config(thread, creator), context,
                                        on_stream=show, on_approval=ask, stream_modes=["updates", "custom"],
                                        stopped=STOPPED)
                return result.messages

            yield turn
        finally:
            use_database(None)


def _read_message(message: str, file: Path | None) -> str:
    if file is None:
        return message
    if not file.is_file():
        _fail(f"No such file: {file}")
    try:
        text = decode_text(file.read_bytes(), file.name, "a transcript or script as text (.srt, .vtt or .txt)")
    except NotTextError as exc:
        _fail(str(exc))
    return f"{message}\n\n[Attached file: {file.name}]\n{text}"


@app.command()
def ask(
    message: Annotated[str, typer.Argument(help="What to ask, e.g. 'Score this title: I Built a Giant Lego Volcano'.")],
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Attach a file's text (e.g. a transcript).")] = None,
    thread: Annotated[str | None, typer.Option(help="Continue this thread id (default: a new thread).")] = None,
    creator: Annotated[str, typer.Option(help="Creator id the thread belongs to.")] = "cli",
    engine: Annotated[str | None, typer.Option(help="offline | llm (default: CORTEX_ENGINE).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print each node and trace event.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run's messages (tool calls too) as JSON.")] = False,
) -> None:
    """Send one message through the agent and print the answer."""
    from langchain_core.messages import HumanMessage, messages_to_dict

    text = _read_message(message, file)
    thread_id = thread or str(uuid.uuid4())
    async def once() -> list[Any]:
        async with _agent_session() as turn:
            return await turn(text, thread_id, creator, engine, verbose)

    try:
        messages = asyncio.run(once())
    except (ValueError, DatabaseError) as exc:
        _fail(str(exc))
    last_human = max(i for i, m in enumerate(messages) if isinstance(m, HumanMessage))
    if as_json:
        print(json.dumps({"thread_id": thread_id, "messages": messages_to_dict(messages[last_human:])}, default=str, indent=2))
        return
    console.print(Markdown(str(messages[-1].content)))
    err.print(f"[dim]thread: {thread_id}[/]")


@app.command()
def chat(
    thread: Annotated[str | None, typer.Option(help="Continue this thread id.")] = None,
    creator: Annotated[str, typer.Option(help="Creator id the thread belongs to.")] = "cli",
    engine: Annotated[str | None, typer.Option(help="offline | llm (default: CORTEX_ENGINE).")] = None,
) -> None:
    """Talk to the agent in the terminal (empty line or Ctrl-D to quit)."""
    thread_id = thread or str(uuid.uuid4())
    console.print(f"[dim]thread {thread_id} — empty line to quit[/]")

    async def loop() -> None:
        async with _agent_session() as turn:
            while True:
                try:
                    text = (await asyncio.to_thread(console.input, "[bold green]you>[/] ")).strip()
                except EOFError:
                    return
                if not text:
                    return
                if not console.is_terminal:
                    console.print()  # piped input is not echoed: end the prompt's line before the answer
                try:
                    messages = await turn(text, thread_id, creator, engine, False)
                except ValueError as exc:
                    err.print(f"[red]{exc}[/]")
                    continue
                console.print("[bold cyan]cortex>[/]")
                console.print(Markdown(str(messages[-1].content)))
                console.print()

    try:
        asyncio.run(loop())
    except DatabaseError as exc:
        _fail(str(exc))


@app.command("import-analytics")
def import_analytics(
    file: Annotated[Path, typer.Argument(help="The CSV YouTube Studio exported (Analytics > Advanced mode > export).")],
    channel: Annotated[str, typer.Option(help="Name of the channel the export belongs to.")],
    creator: Annotated[str, typer.Option(help="Creator id to store it for (the chat login name).")] = "cli",
) -> None:
    """Import a YouTube Studio export (views, impressions, CTR, AVD per video) for a creator's channel."""
    from memory.analytics import AnalyticsInputError, read_studio_export
    from tools.analytics.sources import import_studio_export

    try:
        rows = read_studio_export(file)  # the file's faults first, before the database starts
    except AnalyticsInputError as exc:
        _fail(str(exc))
    report = _on_database(lambda db: import_studio_export(db.pool, file, creator, channel, rows), AnalyticsInputError)
    console.print(
        f"Imported {report.videos:,} videos of “{report.channel.name}” for creator '{creator}'. "
        "Ask: “which of my titles had the best CTR?”"
    )


@app.command("connect-youtube")
def connect_youtube(
    creator: Annotated[str, typer.Option(help="Creator id the channel belongs to (the chat login name).")] = "cli",
    public: Annotated[
        str | None,
        typer.Option(help="Instead of your own channel: a public @handle or UC... id (uses CORTEX_YOUTUBE_API_KEYS)."),
    ] = None,
    port: Annotated[int, typer.Option(help="Local port of the OAuth redirect http://localhost:PORT/ (0: any).")] = 0,
) -> None:
    """Connect a YouTube channel: your own through Google's consent screen (full analytics; run once per
    channel), or a public one by handle (views, likes, comments)."""
    from memory.analytics import AnalyticsInputError
    from memory.db import Database
    from tools.analytics.sources import AnalyticsConfig, connect_channel
    from tools.analytics.youtube import YouTubeError, authorize_installed_app

    settings = get_settings()

    async def run(credentials):
        async with Database.open(settings, max_size=2) as db:
            return await connect_channel(db.pool, creator, config, credentials=credentials, public_channel=public)

    try:
        config = AnalyticsConfig.from_settings(settings)
        if public is None and not settings.google_client_secrets:
            _fail("Set CORTEX_GOOGLE_CLIENT_SECRETS to your OAuth client JSON (README: Connect a YouTube channel), "
                  "or pass --public @handle.")
        credentials = None if public else authorize_installed_app(settings.google_client_secrets, port)
        report = asyncio.run(run(credentials))
    except (YouTubeError, AnalyticsInputError, ValueError, DatabaseError) as exc:
        _fail(str(exc))
    console.print(
        f"Connected “{report.channel.name}” for creator '{creator}': {report.videos:,} videos, "
        f"{report.window_snapshots} 7/30-day snapshots."
    )
    for note in report.notes:
        err.print(f"[yellow]Note:[/] {note}")


@app.command()
def score(
    titles: Annotated[list[str] | None, typer.Argument(help="Titles to score; none: read one per line from stdin.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per title (JSON Lines), as when piped.")] = False,
    history: Annotated[Path | None, typer.Option(
        "--history", help="A channel's uploads as CSV (columns title, published_at as an ISO date, views): predict "
        "each one from the uploads before it, one JSON line per row in time order.")] = None,
) -> None:
    """Score titles 0-100 with a grade and components: a table on a terminal, JSON Lines with --json or when the
    output is piped (each line: title, score, grade, components with value, reason and improvement, warnings).
    With --history FILE.csv: each upload's predicted outlier multiplier from the channel's earlier uploads only
    (JSON lines: title, published_at, score, predicted_multiplier, basis)."""
    from tools.scoring.report import too_long_titles
    from tools.scoring.scorer import score_titles

    if history is not None:
        from tools.scoring.history import HistoryInputError, predict_history, read_history_csv
        from tools.scoring.scorer import default_scorer

        try:
            predictions = predict_history(read_history_csv(history), default_scorer())
        except (HistoryInputError, ValueError) as exc:
            _fail(str(exc))
        for prediction in predictions:
            print(json.dumps(prediction.to_dict(), ensure_ascii=False))
        return
    items = titles or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    if not items:
        _fail("Give titles as arguments, or one per line on standard input.")
    if too_long := too_long_titles(items):
        _fail(too_long)
    results = score_titles(items)
    if as_json or not console.is_terminal:
        for result in results:
            print(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    table = Table(title="Title scores (0-100; A+ >= 95, A >= 85, B >= 70, C >= 50, D >= 30, F)", show_lines=True)
    for column in ("title", "score", "grade", "weakest", "how to improve"):
        table.add_column(column, justify="right" if column == "score" else "left")
    for result in results:
        weakest = min((c for c in result.components if c.weight > 0), key=lambda c: c.value)
        best = max(result.components, key=lambda c: c.gain)
        improvement = best.improvement if best.gain > 0 and best.improvement else "no tried edit raises the score"
        warnings = "".join(f"\n[yellow]{escape(w)}[/]" for w in result.warnings)  # e.g. an unusable title, capped
        table.add_row(escape(result.title), f"{result.score:.1f}", result.grade, f"{weakest.name} ({weakest.value:.0f})",
                      escape(improvement) + warnings)
    console.print(table)


keys_app = typer.Typer(help="API keys of the HTTP API (one creator each; only a digest is stored).",
                       no_args_is_help=True)
app.add_typer(keys_app, name="keys")


def _keys(action):
    """Run ``action(pool)`` on the database (``_on_database``), failing cleanly on bad keys too."""
    from agent.auth import AuthInputError

    return _on_database(lambda db: action(db.pool), AuthInputError)


@keys_app.command("create")
def keys_create(
    creator: Annotated[str, typer.Option(help="The creator the key acts as (the chat login name).")],
    label: Annotated[str, typer.Option(help="A note to tell keys apart, e.g. the app that uses it.")] = "",
) -> None:
    """Create an API key for a creator and print it (shown once: store it now)."""
    from agent.auth import create_key

    creator_id, key = _keys(lambda pool: create_key(pool, creator, label))
    print(key)
    err.print(f"API key for creator '{creator_id}' (shown once). Send it as the x-api-key header, or "
              f"get_client(url=..., api_key=...).")


@keys_app.command("list")
def keys_list(creator: Annotated[str | None, typer.Option(help="Only this creator's keys.")] = None) -> None:
    """List API keys: prefix, creator, label, created, last used, revoked."""
    from agent.auth import PREFIX_CHARS, list_keys

    table = Table(title="API keys")
    table.add_column("prefix", no_wrap=True, min_width=PREFIX_CHARS)
    table.add_column("creator", no_wrap=True)
    for name in ("label", "created", "last used", "revoked"):
        table.add_column(name)
    for k in _keys(lambda pool: list_keys(pool, creator)):
        table.add_row(k.prefix, k.creator_id, k.label, f"{k.created_at:%Y-%m-%d %H:%M}",
                      f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "",
                      f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "")
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(prefix: Annotated[str, typer.Argument(help="The key's prefix, as `cortex keys list` shows it.")]) -> None:
    """Revoke an API key: requests with it get 401 from now on."""
    from agent.auth import revoke_key

    revoked = _keys(lambda pool: revoke_key(pool, prefix))
    if revoked is None:
        _fail(f"No active key starts with {prefix!r}: see `cortex keys list`.")
    console.print(f"Revoked {revoked.prefix} of creator '{revoked.creator_id}'.")


users_app = typer.Typer(help="Chat logins: each creator signs in with their own password (an Argon2id hash is "
                        "stored). Without one, the shared CORTEX_UI_PASSWORD works on loopback only.",
                        no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("create")
def users_create(
    name: Annotated[str, typer.Argument(help="The creator's login name, e.g. 'Alice' (their creator id is 'alice').")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                 help="Read the password from standard input (for scripts).")] = False,
) -> None:
    """Set a creator's chat password (asked twice, hidden; at least 8 characters). Setting it again replaces it."""
    from agent.auth import set_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    creator = _keys(lambda pool: set_password(pool, name, password))
    console.print(f"Creator '{creator}' now signs in to the chat as {name!r} with this password.")


@users_app.command("list")
def users_list() -> None:
    """List the creators with their own chat password and when it was set."""
    from agent.auth import list_logins

    table = Table("creator", "password set", title="Chat logins")
    for creator, updated in _keys(list_logins):
        table.add_row(creator, f"{updated:%Y-%m-%d %H:%M}")
    console.print(table)


@users_app.command("delete")
def users_delete(name: Annotated[str, typer.Argument(help="The creator's login name.")]) -> None:
    """Remove a creator's chat password (their conversations and data stay; `cortex forget` deletes those)."""
    from agent.auth import delete_login

    if not _keys(lambda pool: delete_login(pool, name)):
        _fail(f"{name!r} has no chat password: see `cortex users list`.")
    console.print(f"Removed the chat password of {name!r}.")


@app.command()
def forget(
    creator: Annotated[str, typer.Option(help="The creator whose data to delete (the chat login name / API key's creator).")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete everything stored for a creator (conversations, chat history, learned preferences, Creator DNA,
    feedback, API keys, analytics) and say what was deleted. Other creators are untouched."""
    from agent.auth import creator_id_for
    from memory.learning import forget_creator

    creator_id = creator_id_for(creator)
    if not creator_id:
        _fail(f"{creator!r} is not a creator id: use the name they log in with.")
    if not yes and not typer.confirm(f"Delete everything stored for creator '{creator_id}'? This cannot be undone."):
        _fail("Nothing deleted.")
    deleted = _on_database(lambda db: forget_creator(db, creator_id))
    table = Table(title=f"Deleted for creator '{creator_id}'")
    table.add_column("what")
    table.add_column("rows", justify="right")
    for kind, n in deleted.items():
        table.add_row(kind, f"{n:,}")
    console.print(table)
    if not any(deleted.values()):
        console.print(f"Nothing was stored for '{creator_id}'.")


@app.command("enrich-creators")
def enrich_creators(
    engine: Annotated[str, typer.Option(help="offline (embedding similarity + source category) | llm (the fast tier).")] = "offline",
    force: Annotated[bool, typer.Option("--force", help="Enrich every creator again, not only new or changed ones.")] = False,
) -> None:
    """Creator search batch job: load the creator tables, embed bios and content, resolve identities across
    platforms, enrich creators (niches, content style, summary) and refresh the search index. Idempotent."""
    from agent.embeddings import get_embedder
    from memory.creators.sources import CreatorDataError
    from memory.db import Database
    from tools.creators.enrich import build_creator_index

    if engine not in ("offline", "llm"):
        _fail(f"Unknown engine {engine!r}: use offline or llm.")
    settings = get_settings()
    if engine == "llm" and not settings.llm_configured:
        _fail("--engine llm needs OPENROUTER_API_KEY or OPENAI_API_KEY; use --engine offline without one.")

    async def run():
        bar, update = _progress()
        async with Database.open(settings, max_size=4) as db:
            with bar:
                return await build_creator_index(db.pool, settings.data_dir, settings, get_embedder(settings.embedding_model),
                                                 engine=engine, force=force, progress=update)

    try:
        r = asyncio.run(run())
    except (CreatorDataError, DatabaseError) as exc:
        _fail(str(exc))
    console.print(
        f"{r.load.accounts:,} accounts ({r.load.raw_rows:,} raw rows, {r.load.content_items:,} content items); "
        f"{r.vectors:,} vectors embedded; {r.resolution.accepted} identity links accepted of {r.resolution.candidates} "
        f"candidates -> {r.resolution.creators:,} creators ({r.resolution.multi_platform} on both platforms); "
        f"{r.enrichment.creators:,} creators enriched ({r.enrichment.engine}); {r.indexed:,} accounts re-indexed; "
        f"{r.seconds:.1f} s."
    )


class _EvalGroup(TyperGroup):
    """`cortex eval [SUITE...] [OPTIONS]`: arguments that do not name a subcommand run suites, as `cortex eval run`
    would (click cannot give a group both subcommands and free positional arguments, so they are routed here)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ctx.help_option_names):
            args = ["run", *args]
        return super().parse_args(ctx, args)


eval_app = typer.Typer(
    cls=_EvalGroup,
    help="Eval suites and their reports. `cortex eval [SUITE...] [--split smoke|full] [--engine offline|llm] [--k N]` "
    "runs suites (default: all) and writes reports/<run-id>/report.md and report.json; `cortex eval compare A B` "
    "shows what improved and what regressed. Suites: routing, trajectories, scorer, retrieval, creators, titles.",
)
app.add_typer(eval_app, name="eval")


@eval_app.command("run")
def eval_run(
    suites: Annotated[list[str] | None, typer.Argument(help="Suites to run (default: all): routing, trajectories, "
                                                         "scorer, retrieval, creators, titles.")] = None,
    split: Annotated[str, typer.Option(help="smoke (about 20 cases a suite, no key needed) or full.")] = "smoke",
    engine: Annotated[str | None, typer.Option(help="offline | llm (default: CORTEX_ENGINE).")] = None,
    k: Annotated[int, typer.Option("--k", help="Trials per multi-turn scenario (pass^1..pass^k).")] = 1,
    out: Annotated[Path, typer.Option(help="Folder of the runs' reports.")] = Path("reports"),
    judge: Annotated[bool, typer.Option(help="LLM-as-judge evaluators when a model is configured.")] = True,
) -> None:
    """Run eval suites and write reports/<run-id>/report.md and report.json (metrics with 95 % intervals,
    failures with their traces, engine and models, dataset versions, git commit)."""
    from agent.server import ensure_corpus
    from evals.report import EvalInputError, headline_metrics
    from evals.runner import check_run_args, run_evals
    from evals.trajectories import DatasetError
    from memory.db import Database, use_database

    settings = get_settings()
    try:
        check_run_args(suites, split, engine, k, settings)
    except EvalInputError as exc:
        _fail(str(exc))

    async def go() -> Path:
        bar, update = _progress()
        async with Database.open(settings, max_size=4) as db:
            use_database(db)
            try:
                await ensure_corpus(db.pool, settings)
                with bar:
                    return await run_evals(suites, split=split, engine=engine, k=k, out_dir=out, db=db,
                                           settings=settings, progress=update, judge=judge)
            finally:
                use_database(None)

    try:
        run_dir = asyncio.run(go())
    except (EvalInputError, DatasetError, DatabaseError) as exc:
        _fail(str(exc))
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    table = Table(title=f"{report['run_id']} ({report['engine']['label']})")
    for column in ("suite", "metric", "value", "95 % interval", "n"):
        table.add_column(column, overflow="fold")
    for suite, res in report["suites"].items():
        if res["status"] != "ok" or not res.get("metrics"):
            table.add_row(suite, res["status"], res.get("reason", "no metric with a 95 % interval: see report.md"), "", "")
            continue
        for name in headline_metrics(suite, res["metrics"]):
            m = res["metrics"][name]
            if m.get("value") is None:
                continue
            low, high = m.get("ci95", [None, None])
            table.add_row(suite, name, f"{m['value']:.3f}", f"[{low:.3f}, {high:.3f}]" if low is not None else "",
                          str(m.get("n", "")))
    console.print(table)
    console.print(f"Report: {run_dir / 'report.md'} (and report.json)")


@eval_app.command("compare")
def eval_compare(
    run_a: Annotated[str, typer.Argument(help="The earlier run: a run id under --reports, or its folder.")],
    run_b: Annotated[str, typer.Argument(help="The later run.")],
    reports: Annotated[Path, typer.Option(help="Folder of the runs' reports.")] = Path("reports"),
    judge: Annotated[bool, typer.Option(help="Also judge the final answers pairwise with an LLM (both orders); "
                                               "needs a configured model.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
) -> None:
    """Show what improved and what regressed from RUN_A to RUN_B: metrics (beyond their 95 % intervals or not) and
    the cases that flipped between pass and fail (McNemar's exact test)."""
    from evals.report import EvalInputError, compare_reports, judge_pairwise, load_report, render_comparison

    try:
        a, b = load_report(run_a, reports), load_report(run_b, reports)
    except EvalInputError as exc:
        _fail(str(exc))
    comparison = compare_reports(a, b)
    if judge:
        if not get_settings().llm_configured:
            _fail("--judge needs a model: set OPENROUTER_API_KEY or OPENAI_API_KEY.")
        comparison["pairwise"] = asyncio.run(judge_pairwise(a, b))
    if as_json:
        print(json.dumps(comparison, indent=2, default=str))
        return
    console.print(Markdown(render_comparison(comparison)))


@eval_app.command("list")
def eval_list() -> None:
    """The suites: their datasets (version, cases per split) or modules, and whether they can run here."""
    from evals.runner import suite_catalog

    table = Table("suite", "source", "available", "smoke", "full", title="Eval suites")
    for row in suite_catalog():
        table.add_row(row["suite"], row["source"], "yes" if row["available"] else "no",
                      str(row["versions"].get("smoke", "")), str(row["versions"].get("full", "")))
    console.print(table)


@eval_app.command("fit-scorer")
def fit_scorer() -> None:
    """Fit the scorer's weights on the Upworthy training split (split by test) into tools/scoring/weights.json."""
    from evals.scorer import WEIGHTS_PATH, fit_weights

    with console.status("Fitting the title scorer..."):
        fit = fit_weights(get_settings().data_dir)["fit"]
    console.print(f"Wrote {WEIGHTS_PATH} (C={fit['C']}, {fit['n_train_pairs']} pairs from {fit['n_train_tests']} tests).")


def failure_line(exc: BaseException) -> str:
    """One line for a failure no command handled: the database going away in the middle of a command says so and
    what to do; anything else is its type and message."""
    import psycopg
    import psycopg_pool

    if isinstance(exc, psycopg.OperationalError | psycopg_pool.PoolTimeout):
        return ("The database stopped answering in the middle of the command: check that Postgres is running "
                f"(`cortex serve` or `cortex ingest` starts the embedded one), then retry. ({type(exc).__name__})")
    text = " ".join(str(exc).split()) or "no details"
    return f"{text[:300]} ({type(exc).__name__})"


def main() -> None:
    """Run the `cortex` command: a failure no command handled prints one line (``failure_line``) and exits 1,
    never a traceback; SIGTERM stops it like Ctrl-C."""
    # SIGTERM ends a command as Ctrl-C does (exit handlers run: the embedded Postgres stops with its last user);
    # `cortex serve` hands both to uvicorn, which shuts the service down gracefully
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        app(prog_name="cortex")
    except Exception as exc:  # the last resort: each command handles the errors it expects
        err.print(f"[bold red]Error:[/] {escape(failure_line(exc))}")
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
