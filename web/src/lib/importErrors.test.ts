import { describe, expect, it } from "vitest";
import { parseImportErrors } from "./importErrors";

describe("parseImportErrors", () => {
  it("splits the server's list into one entry per row", () => {
    const r = parseImportErrors(
      "12 rows have errors: line 3, column 4: total: '1.005' has more than 2 decimal places for EUR; line 7: placed_at: needs a UTC offset; a; b; and 10 more (nothing was imported)",
    );
    expect(r.headline).toBe("12 rows have errors; nothing was imported.");
    expect(r.rows).toEqual([
      "line 3, column 4: total: '1.005' has more than 2 decimal places for EUR",
      "line 7: placed_at: needs a UTC offset; a; b",
    ]);
    expect(r.more).toBe(10);
  });
  it("handles a single error", () => {
    const r = parseImportErrors("line 2, column 1: id: is required (nothing was imported)");
    expect(r.headline).toBe("1 row has an error; nothing was imported.");
    expect(r.rows).toEqual(["line 2, column 1: id: is required"]);
    expect(r.more).toBe(0);
  });
  it("keeps a message that is not a row list whole", () => {
    expect(parseImportErrors("the CSV header has no 'total' column").rows).toEqual(["the CSV header has no 'total' column"]);
  });
});
