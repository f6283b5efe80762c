"""What the chat does with attached files (a Studio export is recognised by its content, previewed, and kept out of
the transcript text), where chat files are kept (the local storage client and its owner-only route), and the title
buttons a resumed chat gets back."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace

import httpx
import pytest
from chainlit.context import ChainlitContext, context_var
from chainlit.session import HTTPSession
from fastapi import FastAPI

import ui.storage
from memory.analytics import is_studio_export, read_studio_export
from ui.attachments import preview, read_attachments
from ui.render import TITLE_KEY, restore_title_actions
from ui.storage import LocalStorageClient, router

from support import RecordingEmitter


def _message(*paths) -> SimpleNamespace:
    return SimpleNamespace(elements=[SimpleNamespace(name=p.name, path=str(p)) for p in paths])


def test_a_studio_export_is_told_from_a_transcript_by_its_content(data_dir, tmp_path):
    folder = data_dir / "youtube_studio_analytics_kenjee"
    export, cp1252 = folder / "Aggregated_Metrics_By_Video.csv", folder / "Aggregated_Metrics_By_Video.raw_cp1252.csv"
    srt = data_dir / "transcripts_3blue1brown" / "videos" / "2019_bayes-theorem" / "captions.srt"
    renamed = tmp_path / "notes.txt"  # the name says nothing: the header does
    renamed.write_bytes(export.read_bytes())
    other_csv = tmp_path / "videos.csv"
    other_csv.write_text("Title,Views\nA,1\n")
    assert is_studio_export(export) and is_studio_export(cp1252) and is_studio_export(renamed)
    assert not is_studio_export(srt) and not is_studio_export(other_csv) and not is_studio_export(tmp_path / "x")

    image = tmp_path / "captions.srt"  # an image named like a transcript is refused by its content
    image.write_bytes(bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + bytes(40))
    message = _message(srt, export, image)
    attached = read_attachments(message)
    assert [name for name, _ in attached.exports] == ["Aggregated_Metrics_By_Video.csv"]
    text, refusals = attached.text, attached.refusals
    assert "[Attached file: captions.srt]" in text and "Bayes" in text and text.count("[Attached file:") == 1
    assert "Impressions click-through rate" not in text  # the export is not handed to the agent as a transcript
    assert refusals == ["captions.srt is not text (it looks like a Portable Network Graphics file): send the "
                        "transcript or script as text (.srt, .vtt or .txt)."]


def test_the_preview_says_what_the_export_holds(data_dir):
    videos = read_studio_export(data_dir / "youtube_studio_analytics_kenjee" / "Aggregated_Metrics_By_Video.csv")
    text = preview("Aggregated_Metrics_By_Video.csv", videos)
    assert text.startswith("**Aggregated_Metrics_By_Video.csv** is a YouTube Studio export: 223 videos published")
    assert "with views, impressions, CTR, AVD, watch time" in text
    assert "| 17 Jan 2022 | Should You Be Excited About Web 3? (As a Data Scientist) | 4,383 |" in text
    assert text.count("\n| ") == 1 + 5  # the header and the five newest videos


async def test_local_files_round_trip_and_stay_inside_their_folder(tmp_path):
    store = LocalStorageClient(tmp_path / "files")
    key = f"{uuid.uuid4()}/{uuid.uuid4()}/pull_analytics chart"
    uploaded = await store.upload_file(key, '{"data": []}', mime="application/json")
    assert uploaded == {"object_key": key, "url": "/cortex-files/" + key.replace(" ", "%20")}
    assert store.path_of(key).read_text() == '{"data": []}' and store.mime_of(store.path_of(key)) == "application/json"
    assert await store.upload_file(key, "other", overwrite=False) == {}
    with pytest.raises(ValueError, match="outside the file store"):
        store.path_of("../../etc/passwd")
    assert await store.delete_file(key) and not await store.delete_file(key)


async def test_a_chat_file_is_served_to_its_owner_only(tmp_path, monkeypatch):
    store = LocalStorageClient(tmp_path / "files")
    owner, other = str(uuid.uuid4()), str(uuid.uuid4())
    key = f"{owner}/{uuid.uuid4()}/chart"
    await store.upload_file(key, b'{"data": []}', mime="application/json")
    monkeypatch.setattr(ui.storage, "_local", store)
    app = FastAPI()
    app.include_router(router)
    who = {"user": None}
    app.dependency_overrides[ui.storage.get_current_user] = lambda: who["user"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://cortex") as client:
        assert (await client.get(f"/cortex-files/{key}")).status_code == 404  # not logged in
        who["user"] = SimpleNamespace(id=other, identifier="someone-else")
        assert (await client.get(f"/cortex-files/{key}")).status_code == 404
        who["user"] = SimpleNamespace(id=owner, identifier="owner")
        served = await client.get(f"/cortex-files/{key}")
        assert served.status_code == 200 and served.json() == {"data": []}
        assert served.headers["content-type"] == "application/json"
        assert (await client.get(f"/cortex-files/{owner}/../{other}/x")).status_code == 404


async def test_a_resumed_chat_gets_the_title_buttons_back():
    ctx = ChainlitContext(HTTPSession(id=str(uuid.uuid4()), thread_id=str(uuid.uuid4()), client_type="webapp"))
    context_var.set(ctx)  # as init_http_context does, without asking for Chainlit's data layer (the database)
    sent = []

    class Emitter(RecordingEmitter):
        async def emit(self, event, data):
            if event == "action":
                sent.append(data)

    ctx.emitter = Emitter(ctx.session)
    thread = {"steps": [
        {"id": "m1", "metadata": {TITLE_KEY: {"generation_id": "call_gen1", "rank": 1}}},
        {"id": "m2", "metadata": json.dumps({TITLE_KEY: {"generation_id": "call_gen1", "rank": 2}})},  # as stored
        {"id": "m3", "metadata": {}},  # an answer, not a title
    ]}
    assert await restore_title_actions(thread) == 2
    assert {(a["forId"], a["payload"]["rank"]) for a in sent} == {("m1", 1), ("m2", 2)}
    assert {a["payload"]["signal"] for a in sent if a["forId"] == "m1"} == {
        "thumbs_up", "thumbs_down", "save", "copy", "use", "edit", "reject"}
