import { Box, Text } from "ink";
import type { PermissionRequest } from "../protocol/index.js";

export function PermissionPrompt({ request }: { request: PermissionRequest }) {
  return (
    <Box borderStyle="round" borderColor="yellow" flexDirection="column" paddingX={1}>
      <Text color="yellow">
        Permission: {request.permission} {request.patterns.join(" ")}
      </Text>
      <Text>[y] allow once · [a] always · [n] reject</Text>
    </Box>
  );
}
