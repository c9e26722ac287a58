import { Box, Text } from "ink";
import type { Session } from "../protocol/index.js";

export function SessionPicker({ sessions, selected }: { sessions: Session[]; selected: number }) {
  return (
    <Box borderStyle="round" flexDirection="column" paddingX={1}>
      <Text bold>Sessions (↑/↓, Enter to open, n new, Esc back)</Text>
      {sessions.slice(0, 20).map((session, index) => (
        <Text key={session.id} inverse={index === selected}>
          {session.parentID ? "↳ " : ""}
          {session.title} <Text dimColor>{session.id}</Text>
        </Text>
      ))}
      {sessions.length === 0 ? <Text dimColor>(no sessions)</Text> : null}
    </Box>
  );
}
