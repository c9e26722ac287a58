// GET/POST /trust: whether the server's project directory is trusted, and what its own config was not allowed to
// set until it is (moor-specific; OpenCode has no such route).
import * as z from "zod";

export const HeldBackKey = z.object({
  /** The config file the key came from. */
  file: z.string(),
  /** Dotted key path, e.g. `provider` or `permission.bash`. */
  key: z.string(),
  reason: z.string(),
});
export type HeldBackKey = z.infer<typeof HeldBackKey>;

export const TrustState = z.object({
  directory: z.string(),
  trusted: z.boolean(),
  heldBack: z.array(HeldBackKey),
});
export type TrustState = z.infer<typeof TrustState>;

export const TrustBody = z.object({
  /** Must name the server's project directory when given (the only one whose config it loads). */
  directory: z.string().optional(),
});
