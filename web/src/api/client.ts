// The one way the dashboard talks to the API. Adds the bearer token; on a 401 it refreshes the
// token pair once — concurrent 401s share a single refresh (the server rotates refresh tokens,
// so two parallel refreshes would revoke each other's family) — and retries the request. When
// the refresh fails the session is over: the store is cleared and `onSessionLost` (set by the
// router) sends the user to sign-in, keeping where they were.
import { useAuth, type Profile, type Tokens } from "../auth/store";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  constructor(status: number, code: string, message: string, requestId?: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }
}

let sessionLost: () => void = () => {};
/** Called once per lost session (failed refresh). */
export function onSessionLost(handler: () => void): void {
  sessionLost = handler;
}

async function errorFrom(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = res.statusText || `HTTP ${res.status}`;
  let requestId = res.headers.get("X-Request-Id") ?? undefined;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; request_id?: string } };
    if (body.error) {
      code = body.error.code ?? code;
      message = body.error.message ?? message;
      requestId = body.error.request_id ?? requestId;
    }
  } catch {
    /* not JSON: keep the status text */
  }
  return new ApiError(res.status, code, message, requestId);
}

let refreshing: Promise<boolean> | null = null;

/**
 * Exchanges the stored refresh token for a new pair. Single-flight: callers during a refresh
 * await the same promise. Resolves false when there is no token or the server refused it.
 */
export function refreshTokens(): Promise<boolean> {
  if (refreshing) return refreshing;
  const token = useAuth.getState().refreshToken;
  if (!token) return Promise.resolve(false);
  refreshing = (async () => {
    try {
      const res = await fetch("/auth/refresh", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: token }),
      });
      if (!res.ok) return false;
      useAuth.getState().setTokens((await res.json()) as Tokens);
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

function endSession(): void {
  const hadSession = useAuth.getState().refreshToken !== null || useAuth.getState().accessToken !== null;
  useAuth.getState().clear();
  if (hadSession) sessionLost();
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** Sent as is (FormData, a CSV string); `body` is JSON-encoded otherwise. */
  rawBody?: BodyInit;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Return the Response instead of parsing JSON (CSV export). */
  raw?: boolean;
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  const token = useAuth.getState().accessToken;
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: BodyInit | undefined = options.rawBody;
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  return fetch(path, { method: options.method ?? "GET", headers, body, signal: options.signal });
}

/** Makes an authenticated request; throws ApiError for non-2xx answers. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  // A reload keeps only the refresh token: get an access token before the first call.
  if (!useAuth.getState().accessToken && useAuth.getState().refreshToken) await refreshTokens();
  let res = await send(path, options);
  if (res.status === 401) {
    if (await refreshTokens()) {
      res = await send(path, options);
    }
    if (res.status === 401) {
      endSession();
      throw await errorFrom(res);
    }
  }
  if (!res.ok) throw await errorFrom(res);
  if (options.raw) return res as unknown as T;
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** Builds "path?a=1&b=x", skipping undefined, null and empty values. */
export function withQuery(path: string, query: Record<string, string | number | boolean | null | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

// ---- Auth calls (public routes; no bearer) ----

async function publicPost<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw await errorFrom(res);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

export interface Registration extends Tokens {
  user: { id: number; email: string; role?: string };
  organization: { id: number; name: string };
}

export async function register(email: string, password: string, organization: string): Promise<void> {
  const r = await publicPost<Registration>("/auth/register", { email, password, organization });
  const profile: Profile = { email: r.user.email, organization: r.organization.name, organizationId: r.organization.id };
  useAuth.getState().setTokens(r, profile);
}

export async function login(email: string, password: string, totp?: string): Promise<void> {
  const body: Record<string, string> = { email, password };
  if (totp) body.totp = totp;
  const tokens = await publicPost<Tokens>("/auth/login", body);
  const previous = useAuth.getState().profile;
  // The organisation name is only known from registration on this browser; keep it when the
  // same account signs in again.
  const profile: Profile = previous.email === email ? { ...previous } : { email };
  useAuth.getState().setTokens(tokens, profile);
}

export async function logout(): Promise<void> {
  const token = useAuth.getState().refreshToken;
  useAuth.getState().clear();
  if (token) {
    try {
      await publicPost<void>("/auth/logout", { refresh_token: token });
    } catch {
      /* the local session is gone either way */
    }
  }
}

// ---- Upload with progress (fetch cannot report upload progress) ----

export interface UploadProgress {
  loaded: number;
  total: number;
}

function xhrUpload<T>(path: string, form: FormData, onProgress: (p: UploadProgress) => void): Promise<{ status: number; body: T | null; text: string }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.setRequestHeader("Accept", "application/json");
    const token = useAuth.getState().accessToken;
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.upload.onprogress = (e) => onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : 0 });
    xhr.onload = () => {
      let body: T | null = null;
      try {
        body = JSON.parse(xhr.responseText) as T;
      } catch {
        body = null;
      }
      resolve({ status: xhr.status, body, text: xhr.statusText });
    };
    xhr.onerror = () => reject(new ApiError(0, "network_error", "The upload failed: the server could not be reached."));
    xhr.send(form);
  });
}

/** POSTs a multipart form with upload progress, with the same refresh-and-retry as `api`. */
export async function upload<T>(path: string, form: FormData, onProgress: (p: UploadProgress) => void): Promise<T> {
  if (!useAuth.getState().accessToken && useAuth.getState().refreshToken) await refreshTokens();
  let r = await xhrUpload<T>(path, form, onProgress);
  if (r.status === 401 && (await refreshTokens())) r = await xhrUpload<T>(path, form, onProgress);
  if (r.status === 401) endSession();
  if (r.status < 200 || r.status >= 300) {
    const e = (r.body as { error?: { code?: string; message?: string; request_id?: string } } | null)?.error;
    throw new ApiError(r.status, e?.code ?? `http_${r.status}`, e?.message ?? (r.text || `HTTP ${r.status}`), e?.request_id);
  }
  return r.body as T;
}
