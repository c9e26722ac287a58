import { Box, Text } from "ink";
import { alwaysLabel, type PermissionRequest } from "../protocol/index.js";

export function PermissionPrompt({ request }: { request: PermissionRequest }) {
  return (
    <Box borderStyle="round" borderColor="yellow" flexDirection="column" paddingX={1}>
      <Text color="yellow">
        Permission: {request.permission} {request.patterns.join(" ")}
      </Text>
      <Text>[y] allow once · [a] always · [n] reject</Text>
      <Text dimColor>[a] {alwaysLabel(request)}</Text>
    </Box>
  );
}
