import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, ApiError, onSessionLost } from "./client";
import { useAuth } from "../auth/store";
import { fakeAccessToken, installFakeServer } from "../test/fakeServer";

function signIn(access: string | null, refresh: string) {
  useAuth.setState({ accessToken: access, refreshToken: refresh, claims: null });
}

beforeEach(() => {
  localStorage.clear();
});
afterEach(() => {
  vi.unstubAllGlobals();
  useAuth.getState().clear();
});

describe("token refresh", () => {
  it("refreshes once for concurrent 401s, rotates the refresh token and retries each request", async () => {
    const fresh = fakeAccessToken(2);
    let refreshes = 0;
    const { requests } = installFakeServer({
      "GET /clv/segments": (r) => (r.auth === `Bearer ${fresh}` ? { status: 200, body: { segments: [] } } : { status: 401, body: { error: { code: "unauthenticated", message: "expired", request_id: "a" } } }),
      "GET /clv/model": (r) => (r.auth === `Bearer ${fresh}` ? { status: 200, body: { current: null } } : { status: 401, body: { error: { code: "unauthenticated", message: "expired", request_id: "b" } } }),
      "POST /auth/refresh": async (r) => {
        refreshes++;
        expect(JSON.parse(r.body ?? "{}")).toEqual({ refresh_token: "r1" });
        await new Promise((res) => setTimeout(res, 5));
        return { status: 200, body: { access_token: fresh, refresh_token: "r2", expires_in: 900 } };
      },
    });
    signIn(fakeAccessToken(1), "r1");

    const [a, b] = await Promise.all([api("/clv/segments"), api("/clv/model")]);
    expect(a).toEqual({ segments: [] });
    expect(b).toEqual({ current: null });
    expect(refreshes).toBe(1);
    expect(useAuth.getState().refreshToken).toBe("r2");
    expect(localStorage.getItem("clv.refresh_token")).toBe("r2");
    expect(useAuth.getState().claims?.role).toBe("owner");
    expect(requests.filter((r) => r.url.pathname === "/clv/segments").map((r) => r.auth)).toEqual([expect.stringContaining("Bearer"), `Bearer ${fresh}`]);
  });

  it("gets an access token from the stored refresh token before the first call after a reload", async () => {
    const fresh = fakeAccessToken(3);
    const { requests } = installFakeServer({
      "POST /auth/refresh": () => ({ status: 200, body: { access_token: fresh, refresh_token: "r9", expires_in: 900 } }),
      "GET /jobs": (r) => ({ status: r.auth === `Bearer ${fresh}` ? 200 : 401, body: { items: [], next_cursor: null } }),
    });
    signIn(null, "r8");
    await expect(api("/jobs")).resolves.toEqual({ items: [], next_cursor: null });
    expect(requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual(["POST /auth/refresh", "GET /jobs"]);
  });

  it("ends the session when the refresh is refused, and says so once", async () => {
    installFakeServer({
      "GET /clv/segments": () => ({ status: 401, body: { error: { code: "unauthenticated", message: "expired", request_id: "c" } } }),
      "POST /auth/refresh": () => ({ status: 401, body: { error: { code: "unauthenticated", message: "revoked", request_id: "d" } } }),
    });
    const lost = vi.fn();
    onSessionLost(lost);
    signIn(fakeAccessToken(1), "old");
    const err = await api("/clv/segments").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
    expect(lost).toHaveBeenCalledTimes(1);
    expect(useAuth.getState().refreshToken).toBeNull();
    expect(localStorage.getItem("clv.refresh_token")).toBeNull();
  });

  it("turns the error envelope into an ApiError with the request id", async () => {
    installFakeServer({
      "POST /clv/calculate": () => ({ status: 422, body: { error: { code: "failed_precondition", message: "fewer than 100 customers", request_id: "req-1" } } }),
    });
    signIn(fakeAccessToken(1), "r");
    const err = (await api("/clv/calculate", { method: "POST", body: {} }).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(422);
    expect(err.code).toBe("failed_precondition");
    expect(err.message).toBe("fewer than 100 customers");
    expect(err.requestId).toBe("req-1");
  });
});
