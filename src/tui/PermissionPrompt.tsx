import { Box, Text } from "ink";
import type { PermissionRequest } from "../protocol/index.js";
import { renderDiff } from "./diff/render-diff.js";

/**
 * What an "always" answer stores, exactly: the permission key and each pattern it will allow for the rest of the
 * session (the request's `always`), or that nothing is remembered.
 */
export function alwaysRuleText(request: Pick<PermissionRequest, "permission" | "always">): string {
  if (request.always.length === 0) return "Always: nothing to remember, asked again next time";
  const rules = request.always.map((pattern) => `${request.permission} ${JSON.stringify(pattern)}`).join(", ");
  return `Always allow: ${request.always.join(", ")} — stores the rule${request.always.length > 1 ? "s" : ""} ${rules} → allow, for this session`;
}

/**
 * The question in full before y/a/n: an edit's diff (coloured, numbered), a command's whole command line.
 * `fromChild`: the question is a descendant session's (e.g. a subagent's), whose turn waits on it.
 */
export function PermissionPrompt({ request, fromChild }: { request: PermissionRequest; fromChild?: boolean }) {
  const diff = typeof request.metadata.diff === "string" ? renderDiff(request.metadata.diff, 30) : [];
  const command = typeof request.metadata.command === "string" ? request.metadata.command : undefined;
  const description = typeof request.metadata.description === "string" ? request.metadata.description : undefined;
  return (
    <Box borderStyle="round" borderColor="yellow" flexDirection="column" paddingX={1}>
      <Text color="yellow">
        Permission: {request.permission} {request.patterns.join(" ")}
      </Text>
      {fromChild ? <Text dimColor>asked in sub-session {request.sessionID}</Text> : null}
      {description ? <Text dimColor>{description}</Text> : null}
      {command ? (
        <Text>
          <Text color="cyan">$ </Text>
          {command}
        </Text>
      ) : null}
      {diff.length > 0 ? <Text>{diff.join("\n")}</Text> : null}
      <Text>
        <Text color="green">[y]</Text> allow once · <Text color="yellow">[a]</Text> always ·{" "}
        <Text color="red">[n]</Text> reject
      </Text>
      <Text dimColor>[a] {alwaysRuleText(request)}</Text>
    </Box>
  );
}
