import { describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/react";
import type { ModelFit } from "../api/types";
import { Parameters } from "./Forecast";

const fitStats = (converged: boolean, r: number, message: string) => ({
  params: { r, alpha: 70.5, a: 0.8, b: 2.4 },
  standard_errors: { r: 0.01, alpha: 1.2, a: null, b: null },
  ci_lower: { r: r - 0.02, alpha: 68, a: null, b: null },
  ci_upper: { r: r + 0.02, alpha: 73, a: null, b: null },
  log_likelihood: -1234.5,
  converged,
  message,
  aic: 2477,
});

// The stored report of a calculation in which MBG/NBD's calibration fit failed, so its
// full-period fit was skipped (report "full": null with "full_skipped": the reason).
const fit: ModelFit = {
  id: 3,
  spend_model: "gamma_gamma",
  report: {
    models: [
      { model: "bgnbd", candidate: true, chosen: true, calibration: fitStats(true, 0.25, "converged (L-BFGS)"), full: fitStats(true, 0.243, "converged (L-BFGS)"), full_skipped: null },
      {
        model: "mbgnbd",
        candidate: false,
        chosen: false,
        calibration: fitStats(false, 0.61, "the data do not identify every parameter"),
        full: null,
        full_skipped: "skipped: the calibration fit did not converge (the data do not identify every parameter), so the model cannot be chosen",
        backtest: null,
      },
    ],
  },
};

describe("model parameters", () => {
  it("shows a skipped full-period fit with its reason and the calibration estimates", () => {
    render(<Parameters fit={fit} />);
    const mbg = screen.getByRole("heading", { name: /MBG\/NBD/ }).parentElement!.parentElement!;
    expect(within(mbg).getByText("full-period fit skipped")).toBeInTheDocument();
    expect(within(mbg).getByText("not converged")).toBeInTheDocument();
    expect(within(mbg).getByText(/calibration fit did not converge/)).toBeInTheDocument();
    expect(within(mbg).getByText(/calibration fit ·/)).toBeInTheDocument();
    expect(within(mbg).getByRole("table", { name: /MBG\/NBD parameters/ })).toHaveTextContent("0.61");

    const bg = screen.getByRole("heading", { name: /^BG\/NBD/ }).parentElement!.parentElement!;
    expect(within(bg).queryByText("full-period fit skipped")).toBeNull();
    expect(within(bg).getByText("in use")).toBeInTheDocument();
    expect(within(bg).getByRole("table", { name: /BG\/NBD parameters/ })).toHaveTextContent("0.243");
  });
});
