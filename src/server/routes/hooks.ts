// The hook commands configured for a directory (issue 19): what runs on which event, as the config gave it.
import { HookList } from "../../protocol/hook.js";
import { type RouteContext, requestDirectory, route } from "../context.js";

export function hookRoutes(ctx: RouteContext): void {
  const { deps } = ctx;
  route(
    ctx,
    {
      method: "get",
      path: "/hooks",
      operationId: "hooks.list",
      summary: "The hook commands configured for the directory, and event names in the config moor does not run",
      tag: "instance",
      response: HookList,
    },
    (c) =>
      c.json(deps.core.commandHooks?.list(requestDirectory(c, deps.defaultDirectory)) ?? { hooks: [], ignored: [] }),
  );
}
