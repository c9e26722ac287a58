// Runs the fake model server on its own (used by the benchmark): `PORT=5555 node <compiled>`.
// Replies follow the MOCK_TOOL convention; `MOCK_TOKENS n` in the prompt asks for n tokens of "tok" (default
// MOCK_TOKENS env, 20); `MOCK_STAMP n` streams n tokens carrying their send time, MOCK_DELAY_MS apart. Title
// requests get a title.
import { lastUserText, mockToolConvention, startFakeLlm } from "./llm-server.js";

const defaultTokens = Number(process.env.MOCK_TOKENS ?? 20);
const delayMs = Number(process.env.MOCK_DELAY_MS ?? 0);
const words = (count: number) => Array.from({ length: count }, () => "tok").join(" ");
const llm = await startFakeLlm({ port: Number(process.env.PORT ?? 5555) });
llm.respond((request) => {
  const prompt = lastUserText(request);
  const stamp = /MOCK_STAMP (\d+)/.exec(prompt);
  if (stamp) return { text: words(Number(stamp[1])), stampTokens: true, delayMs: delayMs || 5 };
  const count = Number(/MOCK_TOKENS (\d+)/.exec(prompt)?.[1] ?? defaultTokens);
  // Usage as a provider reports it, about 4 characters a token, so a session that grows nears its model's context
  // limit (and compaction has work) as it would with a real model.
  const usage = { prompt_tokens: Math.ceil(JSON.stringify(request.messages).length / 4), completion_tokens: count };
  return { usage, ...mockToolConvention(request, { text: words(count), delayMs }) };
});
// Sessions get a title as they would from a real model (the title request runs beside the first turn).
llm.setTitleReply({ text: "Benchmark session" });
process.stdout.write(`${llm.url}\n`);
