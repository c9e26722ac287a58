import { Box, Text, useInput } from "ink";
import { useRef, useState } from "react";

export interface PickerItem {
  key: string;
  label: string;
  /** Dim text after the label (time, status, directory…). */
  detail?: string;
  /** What typing matches against (the label when absent). */
  search?: string;
}

/** The items whose search text holds every typed word (case-insensitive), in their order. */
export function filterItems<T extends PickerItem>(items: readonly T[], filter: string): T[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  return items.filter((item) => {
    const text = (item.search ?? item.label).toLowerCase();
    return words.every((word) => text.includes(word));
  });
}

export interface FilterPickerProps {
  title: string;
  items: readonly PickerItem[];
  onPick(key: string): void;
  onCancel(): void;
  /** Extra keys (e.g. Ctrl+N for a new session), said in the title line. */
  onKey?(input: string, key: { ctrl: boolean }): boolean;
  hint?: string;
  maxShown?: number;
  /** More items can be loaded (a paged list): the count says so, and moving near the end asks for them. */
  more?: boolean;
  /** The selection came near the end of the items while `more`: load the next page. */
  onMore?(): void;
  /** The typed filter changed (a paged list searches the server with it; the items are still filtered here). */
  onFilter?(filter: string): void;
}

/** How close to the last item the selection gets before the next page is asked for. */
const MORE_AHEAD = 3;

/** A list to pick from: typing filters it, ↑/↓ move, Enter picks, Esc leaves. */
export function FilterPicker({
  title,
  items,
  onPick,
  onCancel,
  onKey,
  hint,
  maxShown = 15,
  more,
  onMore,
  onFilter,
}: FilterPickerProps) {
  const [filter, setFilterState] = useState("");
  // The latest filter, ahead of rendering: two keys can arrive before the next render.
  const typed = useRef("");
  const setFilter = (change: (text: string) => string) => {
    const next = change(typed.current);
    if (next === typed.current) return;
    typed.current = next;
    setFilterState(next);
    onFilter?.(next);
  };
  const [selected, setSelected] = useState(0);
  const shown = filterItems(items, filter);
  const index = Math.min(selected, Math.max(0, shown.length - 1));
  useInput((input, key) => {
    if (key.escape) return onCancel();
    if (key.return) {
      if (shown[index]) onPick(shown[index].key);
      return;
    }
    if (key.upArrow) return setSelected(Math.max(0, index - 1));
    if (key.downArrow) {
      const next = Math.min(shown.length - 1, index + 1);
      if (more && next >= shown.length - 1 - MORE_AHEAD) onMore?.();
      return setSelected(next);
    }
    if (onKey?.(input, { ctrl: key.ctrl })) return;
    if (key.backspace || key.delete) {
      setFilter((text) => text.slice(0, -1));
      setSelected(0);
      return;
    }
    if (input && !key.ctrl && !key.meta && !key.tab) {
      setFilter((text) => text + input);
      setSelected(0);
    }
  });
  const start = Math.max(0, Math.min(index - Math.floor(maxShown / 2), shown.length - maxShown));
  return (
    <Box borderStyle="round" borderColor="cyan" flexDirection="column" paddingX={1}>
      <Text bold>
        {title} <Text dimColor>(type to filter, ↑/↓, Enter to pick, Esc back{hint ? `, ${hint}` : ""})</Text>
      </Text>
      <Text>
        <Text color="cyan">filter: </Text>
        {filter}
        <Text inverse> </Text>
        <Text dimColor>
          {"  "}
          {shown.length}/{items.length}
          {more ? "+" : ""}
        </Text>
      </Text>
      {shown.slice(start, start + maxShown).map((item, i) => (
        <Text key={item.key} inverse={start + i === index} wrap="truncate-end">
          {item.label}
          {item.detail ? <Text dimColor> {item.detail}</Text> : null}
        </Text>
      ))}
      {shown.length === 0 ? <Text dimColor>(nothing matches)</Text> : null}
    </Box>
  );
}
