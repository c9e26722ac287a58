// A unified diff of two texts (line-based LCS, 3 lines of context), for edit/write metadata and clients' diff views.

export interface UnifiedDiff {
  patch: string;
  additions: number;
  deletions: number;
}

type Op = { kind: " " | "-" | "+"; line: string };

function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

function diffLines(a: string[], b: string[]): Op[] {
  // Trim the common head and tail first: edits are usually small, and it keeps the LCS table small.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const rows = midA.length + 1;
  const cols = midB.length + 1;
  const table = new Uint32Array(rows * cols);
  for (let i = midA.length - 1; i >= 0; i--) {
    for (let j = midB.length - 1; j >= 0; j--) {
      table[i * cols + j] =
        midA[i] === midB[j]
          ? table[(i + 1) * cols + j + 1] + 1
          : Math.max(table[(i + 1) * cols + j], table[i * cols + j + 1]);
    }
  }
  const ops: Op[] = a.slice(0, start).map((line) => ({ kind: " ", line }));
  let i = 0;
  let j = 0;
  while (i < midA.length || j < midB.length) {
    if (i < midA.length && j < midB.length && midA[i] === midB[j]) {
      ops.push({ kind: " ", line: midA[i++] });
      j++;
    } else if (i < midA.length && (j === midB.length || table[(i + 1) * cols + j] >= table[i * cols + j + 1])) {
      // Deletions before additions, as unified diffs conventionally show a change.
      ops.push({ kind: "-", line: midA[i++] });
    } else {
      ops.push({ kind: "+", line: midB[j++] });
    }
  }
  for (const line of a.slice(endA)) ops.push({ kind: " ", line });
  return ops;
}

export function unifiedDiff(fileName: string, before: string, after: string, context = 3): UnifiedDiff {
  const ops = diffLines(splitLines(before), splitLines(after));
  let additions = 0;
  let deletions = 0;
  const hunks: string[] = [];
  let index = 0;
  while (index < ops.length) {
    while (index < ops.length && ops[index].kind === " ") index++;
    if (index >= ops.length) break;
    const hunkStart = Math.max(0, index - context);
    let hunkEnd = index;
    // Extend the hunk while changes are closer than 2*context lines apart.
    for (let k = index; k < ops.length; k++) {
      if (ops[k].kind !== " ") hunkEnd = k;
      else if (k - hunkEnd > context * 2) break;
    }
    hunkEnd = Math.min(ops.length - 1, hunkEnd + context);
    let oldLine = 1;
    let newLine = 1;
    for (let k = 0; k < hunkStart; k++) {
      if (ops[k].kind !== "+") oldLine++;
      if (ops[k].kind !== "-") newLine++;
    }
    const body: string[] = [];
    let oldCount = 0;
    let newCount = 0;
    for (let k = hunkStart; k <= hunkEnd; k++) {
      const op = ops[k];
      body.push(`${op.kind}${op.line}`);
      if (op.kind !== "+") oldCount++;
      if (op.kind !== "-") newCount++;
      if (op.kind === "+") additions++;
      if (op.kind === "-") deletions++;
    }
    hunks.push(
      `@@ -${oldCount === 0 ? oldLine - 1 : oldLine},${oldCount} +${newCount === 0 ? newLine - 1 : newLine},${newCount} @@\n${body.join("\n")}`,
    );
    index = hunkEnd + 1;
  }
  const patch = `Index: ${fileName}\n===================================================================\n--- ${fileName}\n+++ ${fileName}\n${hunks.join("\n")}${hunks.length ? "\n" : ""}`;
  return { patch, additions, deletions };
}
