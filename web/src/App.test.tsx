import { afterEach, describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter } from "react-router";
import { AppRoutes, makeQueryClient } from "./App";
import { useAuth } from "./auth/store";
import { safeNext } from "./pages/Auth";
import { fakeAccessToken, installFakeServer } from "./test/fakeServer";

afterEach(() => {
  vi.unstubAllGlobals();
  useAuth.getState().clear();
  localStorage.clear();
});

describe("routing and sign-in", () => {
  it("sends a signed-out visitor to sign-in and back to where they were going", async () => {
    installFakeServer({
      "POST /auth/login": () => ({ status: 200, body: { access_token: fakeAccessToken(1, "analyst"), refresh_token: "r1", expires_in: 900 } }),
    });
    const user = userEvent.setup();
    render(
      <QueryClientProvider client={makeQueryClient()}>
        <MemoryRouter initialEntries={["/settings"]}>
          <AppRoutes />
        </MemoryRouter>
      </QueryClientProvider>,
    );
    await screen.findByRole("heading", { name: "Sign in" });
    await user.type(screen.getByLabelText("Email"), "ana@shop.example");
    await user.type(screen.getByLabelText("Password"), "correct horse battery");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    await screen.findByRole("heading", { name: "Settings" });
    expect(useAuth.getState().claims?.role).toBe("analyst");
    expect(screen.getAllByText("ana@shop.example").length).toBeGreaterThan(0);
  });

  it("shows the server's reason when sign-in fails", async () => {
    installFakeServer({
      "POST /auth/login": () => ({ status: 401, body: { error: { code: "unauthenticated", message: "wrong email or password", request_id: "x" } } }),
    });
    const user = userEvent.setup();
    render(
      <QueryClientProvider client={makeQueryClient()}>
        <MemoryRouter initialEntries={["/sign-in"]}>
          <AppRoutes />
        </MemoryRouter>
      </QueryClientProvider>,
    );
    await user.type(await screen.findByLabelText("Email"), "a@b.example");
    await user.type(screen.getByLabelText("Password"), "nope nope nope");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("wrong email or password");
  });

  it("only follows in-app return paths", () => {
    expect(safeNext("/customers?segment=lost")).toBe("/customers?segment=lost");
    expect(safeNext("//evil.example/x")).toBe("/");
    expect(safeNext("https://evil.example")).toBe("/");
    expect(safeNext(null)).toBe("/");
  });
});
