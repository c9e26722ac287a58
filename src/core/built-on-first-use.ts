// A service core offers but builds only when something first uses it (DESIGN.md §6: features start lazily), so
// opening core does no work for features a session may never touch (the language servers, the formatters).
export interface BuiltOnFirstUse<T> {
  /** The service, built now if this is its first use. */
  get(): T;
  /** The service if something has used it, without building it (shutdown: nothing to close otherwise). */
  peek(): T | undefined;
}

export function builtOnFirstUse<T>(build: () => T): BuiltOnFirstUse<T> {
  let built: { value: T } | undefined;
  return {
    get() {
      built ??= { value: build() };
      return built.value;
    },
    peek: () => built?.value,
  };
}
