// Keeps Node's fetch classes (Headers, Request, Response) unloaded until something really uses one.
//
// Node defines them as lazy globals: the first touch of any of them loads its bundled undici (with node:http2),
// about 5 MB of resident memory that then stays, a twelfth of the idle budget (DESIGN.md §6). @hono/node-server
// touches all three while it loads, to extend them and to link the prototypes of its own light request, headers
// and response objects, yet it serves most requests with those light objects alone. Before it loads, each global
// is replaced by a stand-in that becomes the real class at its first real use: construction (directly or by a
// subclass such as node-server's Request), a static method, a call of fetch(), or the load of another of the
// three. Until then `instanceof` answers as it would (no real instance can exist yet), and afterwards the
// stand-in's prototype inherits from the real one, so instances made through it are genuine undici objects.
//
// Importing this module installs them; it is the first import of the `serve` command (src/cli/serve.ts).
const CLASS_NAMES = ["Headers", "Request", "Response"] as const;
type ClassName = (typeof CLASS_NAMES)[number];
/** Static methods the real classes have (the stand-in forwards them; other statics appear once loaded). */
const STATIC_METHODS: Record<ClassName, string[]> = {
  Headers: [],
  Request: [],
  Response: ["error", "json", "redirect"],
};

type AnyClass = abstract new (...args: never[]) => unknown;

/**
 * Installs the stand-ins, unless Node's lazy getters are gone already (undici is loaded, or something else
 * replaced the globals): then there is nothing to save and nothing is changed. Returns whether it installed them.
 */
function deferFetchClasses(): boolean {
  const getters = new Map<ClassName, () => AnyClass>();
  for (const name of CLASS_NAMES) {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
    if (!descriptor?.get || !descriptor.configurable) return false;
    getters.set(name, descriptor.get as () => AnyClass);
  }
  const real = new Map<ClassName, AnyClass>();
  const loadAll = (): void => {
    if (real.size > 0) return;
    for (const name of CLASS_NAMES) {
      // Node's getter loads undici and redefines the global as the real class; the global keeps what it is now
      // (the stand-in, or node-server's Request and Response, which it installs in its place).
      const current = Object.getOwnPropertyDescriptor(globalThis, name) as PropertyDescriptor;
      const realClass = (getters.get(name) as () => AnyClass).call(globalThis);
      Object.defineProperty(globalThis, name, current);
      real.set(name, realClass);
      const standIn = standIns.get(name) as AnyClass;
      Object.setPrototypeOf(standIn.prototype, realClass.prototype);
      Object.setPrototypeOf(standIn, realClass);
    }
  };
  const standIns = new Map<ClassName, AnyClass>();
  // fetch() loads undici by itself and returns real instances, which `instanceof` must recognise.
  const nodeFetch = globalThis.fetch;
  globalThis.fetch = function fetch(input, init) {
    loadAll();
    return nodeFetch(input, init);
  };
  for (const name of CLASS_NAMES) {
    // A function rather than a class: `class X extends StandIn` calls it with new.target X, and the instance is
    // built by the real constructor with X's prototype.
    const standIn = function (this: unknown, ...args: unknown[]) {
      if (!new.target) throw new TypeError(`Class constructor ${name} cannot be invoked without 'new'`);
      loadAll();
      return Reflect.construct(real.get(name) as AnyClass as new (...a: unknown[]) => object, args, new.target);
    } as unknown as AnyClass;
    Object.defineProperty(standIn, "name", { value: name });
    Object.defineProperty(standIn, Symbol.hasInstance, {
      value: (value: unknown) =>
        real.size > 0
          ? value instanceof (real.get(name) as AnyClass)
          : Function.prototype[Symbol.hasInstance].call(standIn, value),
    });
    for (const method of STATIC_METHODS[name]) {
      Object.defineProperty(standIn, method, {
        configurable: true,
        writable: true,
        value: (...args: unknown[]) => {
          loadAll();
          return (real.get(name) as unknown as Record<string, (...a: unknown[]) => unknown>)[method](...args);
        },
      });
    }
    standIns.set(name, standIn);
    Object.defineProperty(globalThis, name, { configurable: true, writable: true, value: standIn });
  }
  return true;
}

deferFetchClasses();
