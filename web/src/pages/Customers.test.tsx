import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter, Route, Routes } from "react-router";
import { makeQueryClient } from "../App";
import { useAuth } from "../auth/store";
import { fakeAccessToken, installFakeServer } from "../test/fakeServer";
import Customers from "./Customers";

function customer(id: number) {
  return { id, external_id: `c-${id}`, predicted_clv_minor: 10_000 - id, historical_clv_minor: 5000, p_alive: 0.5, expected_purchases_365d: 1.25, segment: { key: "champions", name: "Champions" }, clv_tier: { key: "top_10", name: "Top 10%" }, churn_risk: "low", last_order_date: "2025-01-02" };
}

function renderAt(path: string) {
  return render(
    <QueryClientProvider client={makeQueryClient()}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/customers" element={<Customers />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

beforeEach(() => {
  useAuth.setState({ accessToken: fakeAccessToken(1), refreshToken: "r" });
});
afterEach(() => {
  vi.unstubAllGlobals();
  useAuth.getState().clear();
});

describe("Customers table", () => {
  it("pages forward with the server's cursor and back without one", async () => {
    const { requests } = installFakeServer({
      "GET /clv/customers": (r) => {
        const cursor = r.url.searchParams.get("cursor");
        if (cursor === "p2") return { status: 200, body: { currency: "EUR", fit_id: 1, items: [customer(3)], next_cursor: null } };
        return { status: 200, body: { currency: "EUR", fit_id: 1, items: [customer(1), customer(2)], next_cursor: "p2" } };
      },
      "GET /clv/segments": () => ({ status: 200, body: { segments: [{ key: "champions", name: "Champions", customers: 3 }], clv_tiers: [] } }),
    });
    const user = userEvent.setup();
    renderAt("/customers");

    const table = await screen.findByRole("table", { name: /customers with their clv scores/i });
    expect(within(table).getByText("c-1")).toBeInTheDocument();
    expect(screen.getByText("Page 1")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Previous" })).toBeDisabled();
    // Money in the tenant currency, from minor units.
    expect(within(table).getAllByText(/€/).length).toBeGreaterThan(0);

    await user.click(screen.getByRole("button", { name: "Next" }));
    await screen.findByText("c-3");
    expect(screen.getByText("Page 2")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();
    const list = requests.filter((r) => r.url.pathname === "/clv/customers");
    expect(list.at(-1)?.url.searchParams.get("cursor")).toBe("p2");
    expect(list.at(-1)?.url.searchParams.get("limit")).toBe("50");

    await user.click(screen.getByRole("button", { name: "Previous" }));
    await screen.findByText("c-1");
    expect(screen.getByText("Page 1")).toBeInTheDocument();
  });

  it("sorts on the server and starts again at page 1", async () => {
    const { requests } = installFakeServer({
      "GET /clv/customers": (r) => ({ status: 200, body: { currency: "USD", fit_id: 1, items: [customer(1)], next_cursor: r.url.searchParams.get("cursor") ? null : "p2" } }),
      "GET /clv/segments": () => ({ status: 200, body: { segments: [], clv_tiers: [] } }),
    });
    const user = userEvent.setup();
    renderAt("/customers");
    await screen.findByText("c-1");
    await user.click(screen.getByRole("button", { name: "Next" }));
    await waitFor(() => expect(screen.getByText("Page 2")).toBeInTheDocument());

    await user.click(screen.getByRole("button", { name: /P\(alive\)/ }));
    await waitFor(() => expect(screen.getByText("Page 1")).toBeInTheDocument());
    const last = requests.filter((r) => r.url.pathname === "/clv/customers").at(-1);
    expect(last?.url.searchParams.get("sort")).toBe("p_alive");
    expect(last?.url.searchParams.get("order")).toBe("desc");
    expect(last?.url.searchParams.get("cursor")).toBeNull();
    expect(screen.getByRole("columnheader", { name: /P\(alive\)/ })).toHaveAttribute("aria-sort", "descending");
  });

  it("applies a segment filter from the URL and says when nothing matches", async () => {
    const { requests } = installFakeServer({
      "GET /clv/customers": () => ({ status: 200, body: { currency: "USD", fit_id: 1, items: [], next_cursor: null } }),
      "GET /clv/segments": () => ({ status: 200, body: { segments: [{ key: "at_risk", name: "At risk", customers: 0 }], clv_tiers: [] } }),
    });
    renderAt("/customers?segment=at_risk");
    await screen.findByText("No customers match these filters.");
    expect(requests.find((r) => r.url.pathname === "/clv/customers")?.url.searchParams.get("segment")).toBe("at_risk");
  });

  it("shows the error envelope's message with a retry", async () => {
    installFakeServer({
      "GET /clv/customers": () => ({ status: 400, body: { error: { code: "invalid_argument", message: "sort: must be one of ...", request_id: "rq" } } }),
      "GET /clv/segments": () => ({ status: 200, body: { segments: [], clv_tiers: [] } }),
    });
    renderAt("/customers");
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("sort: must be one of");
    expect(alert).toHaveTextContent("rq");
  });
});
