import { Box, Text } from "ink";
import type { SlashEntry } from "../client/index.js";
import { KEY_HELP } from "./useCommands.js";

/** `/help`: every command `/` completes to (the client's and the server's) and the keys; Esc closes it. */
export function HelpPanel({ commands }: { commands: readonly SlashEntry[] }) {
  // The slash, the longest name, and two spaces before the description.
  const width = Math.max(...commands.map((entry) => entry.name.length)) + 3;
  return (
    <Box borderStyle="round" borderColor="cyan" flexDirection="column" paddingX={1}>
      <Text bold>Commands</Text>
      {commands.map((entry) => (
        <Text key={entry.name}>
          <Text color="cyan">{`/${entry.name}`.padEnd(width)}</Text>
          <Text dimColor>{entry.description ?? ""}</Text>
        </Text>
      ))}
      <Text bold>Keys</Text>
      {KEY_HELP.map((line) => (
        <Text key={line} dimColor>
          {line}
        </Text>
      ))}
    </Box>
  );
}
