// The OpenAPI 3.1 document at GET /doc, built from the same zod schemas the routes validate with: each route
// registers its method, path and schemas here as it is defined, so the document cannot drift from the code.
import * as z from "zod";

export interface RouteSpec {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** Hono path, e.g. `/session/:sessionID`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  response?: z.ZodType;
  responseDescription?: string;
  status?: number;
}

export class RouteRegistry {
  readonly routes: RouteSpec[] = [];

  add(spec: RouteSpec): RouteSpec {
    this.routes.push(spec);
    return spec;
  }

  document(version: string): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const route of this.routes) {
      const openapiPath = route.path.replace(/:(\w+)/g, "{$1}");
      const pathParams = [...route.path.matchAll(/:(\w+)/g)].map((match) => ({
        name: match[1],
        in: "path",
        required: true,
        schema: { type: "string" },
      }));
      const queryParams = route.query
        ? Object.entries(route.query.shape).map(([name, schema]) => ({
            name,
            in: "query",
            required: !(schema as z.ZodType).safeParse(undefined).success,
            schema: toSchema(schema as z.ZodType),
          }))
        : [];
      const operation: Record<string, unknown> = {
        operationId: route.operationId,
        summary: route.summary,
        tags: [route.tag],
        parameters: [
          ...pathParams,
          ...queryParams,
          { name: "directory", in: "query", required: false, schema: { type: "string" } },
        ],
        responses: {
          [String(route.status ?? 200)]: {
            description: route.responseDescription ?? "OK",
            ...(route.response ? { content: { "application/json": { schema: toSchema(route.response) } } } : {}),
          },
          "400": errorResponse("Bad request"),
          "404": errorResponse("Not found"),
        },
      };
      if (route.body) {
        operation.requestBody = { required: true, content: { "application/json": { schema: toSchema(route.body) } } };
      }
      paths[openapiPath] ??= {};
      paths[openapiPath][route.method] = operation;
    }
    return {
      openapi: "3.1.0",
      info: { title: "moor", version, description: "Moor's HTTP API (OpenCode-compatible core)." },
      paths,
      components: {
        schemas: { Error: toSchema(ErrorSchema) },
        securitySchemes: { basic: { type: "http", scheme: "basic" } },
      },
      security: [{ basic: [] }],
    };
  }
}

const ErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

function errorResponse(description: string) {
  return { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
}

function toSchema(schema: z.ZodType): unknown {
  try {
    const json = z.toJSONSchema(schema, { unrepresentable: "any", io: "input" }) as Record<string, unknown>;
    delete json.$schema;
    return json;
  } catch {
    return {};
  }
}
