import { Box, Text } from "ink";

/** Prompts waiting for the running turn to end (App sends them in order); Esc takes back the last. */
export function QueuedPrompts({ prompts }: { prompts: readonly string[] }) {
  if (prompts.length === 0) return null;
  return (
    <Box flexDirection="column">
      {prompts.map((prompt, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the same text may be queued twice; order is identity here.
        <Text key={index} wrap="truncate-end">
          <Text color="magenta">queued </Text>
          <Text dimColor>› {prompt.replace(/\s+/g, " ")}</Text>
        </Text>
      ))}
      <Text dimColor>sent when the turn ends · Esc cancels the last queued prompt</Text>
    </Box>
  );
}
