// The server's project directory and its trust: a client (attach, the web page) shows what the project's own
// config was not allowed to set and lets the user trust the directory; the config is reloaded at once.
import { TrustBody, TrustState } from "../../protocol/trust.js";
import { type RouteContext, readBody, route } from "../context.js";
import { HttpError } from "../errors.js";

export function trustRoutes(ctx: RouteContext): void {
  const { deps } = ctx;
  const trust = () => {
    if (!deps.trust) throw new HttpError(404, "not_found", "this server does not manage directory trust");
    return deps.trust;
  };
  route(
    ctx,
    {
      method: "get",
      path: "/trust",
      operationId: "trust.get",
      summary: "Whether the project directory is trusted, and what its config was not allowed to set",
      tag: "config",
      response: TrustState,
    },
    (c) => c.json(trust().state()),
  );
  route(
    ctx,
    {
      method: "post",
      path: "/trust",
      operationId: "trust.set",
      summary: "Trust the project directory: its own config applies in full from now on",
      tag: "config",
      body: TrustBody,
      response: TrustState,
    },
    async (c) => {
      const body = await readBody(c, TrustBody);
      return c.json(await trust().trust(body.directory));
    },
  );
}
