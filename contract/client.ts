// A tiny typed client over the generated `schema.d.ts`: no runtime dependency.
//
// Operations are called by their operationId; the request (path, query, body) and the success
// body are the document's own types. `ROUTES` says where each operation lives, and the compiler
// checks every entry against the document, so a moved or renamed operation fails `tsc`.
// The transport is injected: `wx.request` in the mini-program (see sample.ts), anything in tests.
import type { components, operations, paths } from "./schema";

export type Schemas = components["schemas"];
export type ErrorBody = Schemas["Error"];
export type OperationId = keyof operations;

type Method = "get" | "post" | "put" | "patch" | "delete";

/** Where the document puts operation `O`: a `[method, path]` pair whose operation is `O`. */
type RouteOf<O extends OperationId> = {
  [P in keyof paths]: {
    [M in Method]: paths[P][M] extends operations[O] ? readonly [M, P] : never;
  }[Method];
}[keyof paths];

/** The operations the sample uses, and where they live (checked against the document). */
export const ROUTES = {
  login: ["post", "/api/v1/auth/login"],
  getMyFeed: ["get", "/api/v1/me/feed"],
  signUpForShift: ["post", "/api/v1/shifts/{shift_id}/signups"],
  listMySignups: ["get", "/api/v1/me/signups"],
  createPunch: ["post", "/api/v1/punches"],
  listMyRecords: ["get", "/api/v1/me/service-records"],
  getMyHours: ["get", "/api/v1/me/hours"],
} as const satisfies { [O in OperationId]?: RouteOf<O> };

export type Routed = keyof typeof ROUTES;

type Parameters<O extends OperationId> = operations[O]["parameters"];
type PathParams<O extends OperationId> = Parameters<O> extends { path: infer P } ? P : never;
type QueryParams<O extends OperationId> = Parameters<O> extends { query?: infer Q } ? Q : never;
type RequestBody<O extends OperationId> = NonNullable<operations[O]["requestBody"]>;
type JsonBody<O extends OperationId> = [RequestBody<O>] extends [never]
  ? never
  : RequestBody<O> extends { content: { "application/json": infer B } }
    ? B
    : never;

/** What a call takes: exactly the path parameters, query and JSON body the operation has. */
export type Request<O extends OperationId> = ([PathParams<O>] extends [never]
  ? { path?: never }
  : { path: PathParams<O> }) &
  ([QueryParams<O>] extends [never] ? { query?: never } : { query?: QueryParams<O> }) &
  ([JsonBody<O>] extends [never] ? { body?: never } : { body: JsonBody<O> });

type Responses<O extends OperationId> = operations[O]["responses"];
/** The JSON body of any 2xx response of `O`. */
export type Ok<O extends OperationId> = {
  [S in keyof Responses<O>]: S extends 200 | 201
    ? Responses<O>[S] extends { content: { "application/json": infer B } }
      ? B
      : never
    : never;
}[keyof Responses<O>];

/** A failed call: the HTTP status and the one error shape (`docs/errors.md`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(`${body.code}: ${body.message}`);
  }
}

/** One HTTP exchange, shaped like `wx.request`'s options and success result. */
export interface TransportRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  header: Record<string, string>;
  data?: unknown;
}
export interface TransportResponse {
  statusCode: number;
  data: unknown;
}
export type Transport = (request: TransportRequest) => Promise<TransportResponse>;

function entries(params: unknown): [string, unknown][] {
  return typeof params === "object" && params !== null ? Object.entries(params) : [];
}

function expand(template: string, params: unknown): string {
  const values = new Map(entries(params));
  return template.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(String(values.get(name))),
  );
}

function queryString(query: unknown): string {
  const parts: string[] = [];
  for (const [key, value] of entries(query)) {
    if (value !== undefined && value !== null) {
      parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
    }
  }
  return parts.length > 0 ? `?${parts.join("&")}` : "";
}

export class Api {
  token: string | null = null;

  constructor(
    private readonly base: string,
    private readonly transport: Transport,
  ) {}

  /** Call operation `id`; resolves to its 2xx body, rejects with an `ApiError`. */
  async call<O extends Routed>(id: O, request: Request<O>): Promise<Ok<O>> {
    const [method, template] = ROUTES[id];
    const header: Record<string, string> = { "Content-Type": "application/json" };
    if (this.token !== null) header["Authorization"] = `Bearer ${this.token}`;
    const response = await this.transport({
      method: method.toUpperCase() as TransportRequest["method"],
      url: this.base + expand(template, request.path) + queryString(request.query),
      header,
      data: request.body,
    });
    if (response.statusCode >= 200 && response.statusCode < 300) {
      // The trust boundary: the server's contract test checks every response against the
      // document these types come from.
      return response.data as Ok<O>;
    }
    throw new ApiError(response.statusCode, response.data as ErrorBody);
  }
}
