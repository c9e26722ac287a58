// Runs the fake model server on its own: `PORT=5555 MOCK_TOKENS=20 node <compiled>` (used by the benchmark).
// Replies follow the MOCK_TOOL convention, else MOCK_TOKENS tokens of "tok".
import { mockToolConvention, startFakeLlm } from "./llm-server.js";

const tokenCount = Number(process.env.MOCK_TOKENS ?? 20);
const delayMs = Number(process.env.MOCK_DELAY_MS ?? 0);
const text = Array.from({ length: tokenCount }, () => "tok").join(" ");
const llm = await startFakeLlm({ port: Number(process.env.PORT ?? 5555) });
llm.respond((request) => mockToolConvention(request, { text, delayMs }));
process.stdout.write(`${llm.url}\n`);
