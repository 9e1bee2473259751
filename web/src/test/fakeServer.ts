// A scripted stand-in for the HTTP boundary in component tests: routes by method and path,
// records every request (with its Authorization header) so tests can assert what was sent.
import { vi } from "vitest";

export interface Recorded {
  method: string;
  url: URL;
  auth: string | null;
  body: string | null;
}

export type Handler = (req: Recorded) => { status: number; body?: unknown } | Promise<{ status: number; body?: unknown }>;

export function installFakeServer(routes: Record<string, Handler>) {
  const requests: Recorded[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), "http://localhost");
    const headers = new Headers(init?.headers);
    const req: Recorded = { method: init?.method ?? "GET", url, auth: headers.get("Authorization"), body: typeof init?.body === "string" ? init.body : null };
    requests.push(req);
    const handler = routes[`${req.method} ${url.pathname}`];
    if (!handler) return new Response(JSON.stringify({ error: { code: "not_found", message: `no route ${url.pathname}`, request_id: "t" } }), { status: 404 });
    const r = await handler(req);
    return new Response(r.body === undefined ? null : JSON.stringify(r.body), { status: r.status, headers: { "Content-Type": "application/json" } });
  });
  vi.stubGlobal("fetch", fetchMock);
  return { requests, fetchMock };
}

/** An unsigned JWT-shaped token with the claims the dashboard reads. */
export function fakeAccessToken(n: number, role = "owner"): string {
  const payload = btoa(JSON.stringify({ sub: "1", tid: "7", role, exp: 2_000_000_000, n }));
  return `eyJhbGciOiJIUzI1NiJ9.${payload.replace(/=+$/, "")}.sig`;
}
