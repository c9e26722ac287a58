export * from "./errors.js";
export * from "./event.js";
export * from "./ids.js";
export * from "./message.js";
export * from "./permission.js";
export * from "./permission-always.js";
export * from "./session.js";
export * from "./sse.js";
