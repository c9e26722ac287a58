// GET /session pages through many sessions by cursor (the store's `listSessions`), keeping OpenCode's plain array
// as the body: the next page's cursor is a header.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Session } from "../../src/protocol/index.js";
import { createMoorApp } from "../../src/server/app.js";
import { type CoreFixture, openCoreFixture } from "../fakes/core-fixture.js";

describe("GET /session", () => {
  let fixture: CoreFixture;
  let clock = 1_000;
  beforeEach(async () => {
    fixture = await openCoreFixture({ prefix: "list", core: { now: () => clock++ } });
  });
  afterEach(() => fixture.close());

  it("pages by cursor, most recently updated first, without repeats or gaps; roots leaves out child sessions", async () => {
    const { core, dir } = fixture;
    const made: Session[] = [];
    for (let i = 0; i < 7; i++) made.push(await core.sessions.create({ directory: dir, title: `s${i}` }));
    const child = await core.sessions.create({ directory: dir, title: "child", parentID: made[0].id });
    const { app } = createMoorApp({ core, version: "1", defaultDirectory: dir });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/session?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const response: Response = await app.request(query);
      expect(response.status).toBe(200);
      const page = (await response.json()) as Session[];
      expect(page.length).toBeLessThanOrEqual(3);
      seen.push(...page.map((session) => session.id));
      cursor = response.headers.get("x-moor-next-cursor");
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([child, ...made.reverse()].map((session) => session.id));
    const roots = (await (await app.request("/session?roots=true")).json()) as Session[];
    expect(roots.map((session) => session.id)).not.toContain(child.id);
    expect(roots).toHaveLength(7);
    // The last page has no next cursor, and a limit beyond the count gives everything at once, without one.
    const all = await app.request("/session?limit=50");
    expect(all.headers.get("x-moor-next-cursor")).toBeNull();
    expect(((await all.json()) as Session[]).length).toBe(8);
  });

  it("searches titles with OpenCode's `search`, case ignored, paged like the full list", async () => {
    const { core, dir } = fixture;
    const titles = ["Login bug", "docs", "the LOGIN page", "login again", "other"];
    const made: Session[] = [];
    for (const title of titles) made.push(await core.sessions.create({ directory: dir, title }));
    const { app } = createMoorApp({ core, version: "1", defaultDirectory: dir });
    const first = await app.request("/session?search=login&limit=2");
    expect(first.status).toBe(200);
    expect(((await first.json()) as Session[]).map((session) => session.title)).toEqual([
      "login again",
      "the LOGIN page",
    ]);
    const cursor = first.headers.get("x-moor-next-cursor");
    expect(cursor).toBeTruthy();
    const second = await app.request(`/session?search=login&limit=2&cursor=${encodeURIComponent(cursor ?? "")}`);
    expect(((await second.json()) as Session[]).map((session) => session.id)).toEqual([made[0].id]);
    expect(second.headers.get("x-moor-next-cursor")).toBeNull();
    const tooLong = await app.request(`/session?search=${"x".repeat(201)}`);
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as { error: { code: string } }).error.code).toBeTruthy();
  });
});
