import { Box, Text } from "ink";
import { alwaysLabel, type PermissionRequest } from "../protocol/index.js";

/** `fromChild`: the question is a descendant session's (e.g. a subagent's), whose turn waits on it. */
export function PermissionPrompt({ request, fromChild }: { request: PermissionRequest; fromChild?: boolean }) {
  return (
    <Box borderStyle="round" borderColor="yellow" flexDirection="column" paddingX={1}>
      <Text color="yellow">
        Permission: {request.permission} {request.patterns.join(" ")}
      </Text>
      {fromChild ? <Text dimColor>asked in sub-session {request.sessionID}</Text> : null}
      <Text>[y] allow once · [a] always · [n] reject</Text>
      <Text dimColor>[a] {alwaysLabel(request)}</Text>
    </Box>
  );
}
