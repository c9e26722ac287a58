// Publishes the server as `_http._tcp` on the local network (bonjour-service), under a name unique per host and
// port, and withdraws it on close. Loaded only with --mdns.
import { hostname } from "node:os";

export async function publishMdns(options: {
  port: number;
  domain: string;
  tls: boolean;
}): Promise<() => Promise<void>> {
  const { Bonjour } = await import("bonjour-service");
  const bonjour = new Bonjour();
  const service = bonjour.publish({
    name: `moor-${hostname()}-${options.port}`,
    type: options.tls ? "https" : "http",
    port: options.port,
    host: options.domain,
    txt: { path: "/", api: "opencode" },
  });
  return () =>
    new Promise<void>((resolve) => {
      service.stop?.(() => {
        bonjour.destroy();
        resolve();
      });
      setTimeout(resolve, 1000).unref();
    });
}
