// What moor and its hook spawner (perl-spawner-source.ts, or runner-process-source.ts where there is no perl) say to
// each other over the spawner's stdin and stdout. A frame is `<byte length>\n<payload>`; a payload is a list of
// fields, each `<byte length>:<bytes>`, and a field may itself hold such a list (a run, a result). Length-prefixed
// bytes because a Perl with only its core modules has no JSON, and a hook's output may hold any byte.

/** A list of fields as a payload (lengths in UTF-8 bytes). */
export function encodeFields(fields: readonly string[]): string {
  let out = "";
  for (const field of fields) out += `${Buffer.byteLength(field)}:${field}`;
  return out;
}

/** A frame holding these fields. */
export function encodeFrame(fields: readonly string[]): string {
  const payload = encodeFields(fields);
  return `${Buffer.byteLength(payload)}\n${payload}`;
}

/** The fields of a payload. */
export function decodeFields(payload: Buffer): Buffer[] {
  const fields: Buffer[] = [];
  let at = 0;
  while (at < payload.length) {
    const colon = payload.indexOf(58, at);
    const size = Number(payload.toString("latin1", at, colon));
    fields.push(payload.subarray(colon + 1, colon + 1 + size));
    at = colon + 1 + size;
  }
  return fields;
}

/** Splits a byte stream into frames: `push` each chunk read, get back the payloads it completed. */
export class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: Buffer[] = [];
    for (;;) {
      const newline = this.buffered.indexOf(10);
      if (newline === -1) break;
      const size = Number(this.buffered.toString("latin1", 0, newline));
      if (this.buffered.length < newline + 1 + size) break;
      frames.push(this.buffered.subarray(newline + 1, newline + 1 + size));
      this.buffered = this.buffered.subarray(newline + 1 + size);
    }
    return frames;
  }
}
