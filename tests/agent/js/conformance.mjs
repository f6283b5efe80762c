// The JS LangGraph SDK (@langchain/langgraph-sdk) against a running Creator Cortex service: the calls LangGraph
// Studio and useStream make. Reads CORTEX_URL and CORTEX_API_KEY; prints one JSON object of what each call
// returned (tests/agent/test_api_protocol_js.py asserts on it); exits 1 with the error when a call fails.
import { Client } from "@langchain/langgraph-sdk";

const client = new Client({ apiUrl: process.env.CORTEX_URL, apiKey: process.env.CORTEX_API_KEY });
const input = { messages: [{ role: "user", content: "Score this title: I Built a Giant Lego Volcano" }] };
const out = {};

const graph = await client.assistants.getGraph("creator_cortex", { xray: true });
out.graphNodes = graph.nodes.map((n) => n.id);
const schemas = await client.assistants.getSchemas("creator_cortex");
out.inputProperties = Object.keys(schemas.input_schema.properties);
out.subgraphs = await client.assistants.getSubgraphs("creator_cortex");

const thread = await client.threads.create({ metadata: { sdk: "js" } });
const tid = thread.thread_id;
const events = [];
for await (const part of client.runs.stream(tid, "creator_cortex", {
  input, streamMode: ["values", "updates", "messages-tuple", "events", "debug", "tasks", "checkpoints", "tools"],
  streamResumable: true,
})) {
  events.push(part.event);
  if (part.event === "metadata") out.runId = part.data.run_id;
  if (part.event === "warning") out.warning = part.data.message;
  if (part.event === "events" && part.data.event === "on_tool_end") out.toolEnd = [part.data.name, part.data.data.output.content];
}
out.events = [...new Set(events)];
out.eventCount = events.length;

out.runs = (await client.runs.list(tid)).map((r) => [r.run_id, r.status]);
out.run = (await client.runs.get(tid, out.runId)).status;
const replay = [];
for await (const part of client.runs.joinStream(tid, out.runId, { lastEventId: "-1" })) replay.push(part.event);
out.replayCount = replay.length;
const rest = [];
for await (const part of client.runs.joinStream(tid, out.runId, { lastEventId: "2" })) rest.push(part.event);
out.restCount = rest.length;

const state = await client.threads.getState(tid);
out.lastMessage = state.values.messages.at(-1).content;
const history = await client.threads.getHistory(tid, { limit: 3 });
const at = await client.threads.getState(tid, history[1].checkpoint);
out.atCheckpoint = [at.checkpoint.checkpoint_id === history[1].checkpoint.checkpoint_id, at.next];

const copy = await client.threads.copy(tid);
out.copyHistorySame = (await client.threads.getHistory(copy.thread_id, { limit: 100 })).length
  === (await client.threads.getHistory(tid, { limit: 100 })).length;
out.count = await client.threads.count({ metadata: { sdk: "js" } });

const updated = await client.threads.updateState(tid, {
  values: { messages: [{ type: "ai", content: "A note from the JS SDK." }] },
});
const after = await client.threads.getState(tid);
out.updated = [updated.checkpoint.checkpoint_id === after.checkpoint.checkpoint_id, after.values.messages.at(-1).content];

console.log(JSON.stringify(out));
