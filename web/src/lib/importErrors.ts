// The import endpoint rejects a CSV with any bad row as a whole and lists the problems in one
// message: "3 rows have errors: line 4, column 3: ...; line 9: ...; and 1 more (nothing was
// imported)". This splits it into a headline and one entry per row for the Data page.
export interface ImportErrorReport {
  headline: string;
  rows: string[];
  more: number;
}

export function parseImportErrors(message: string): ImportErrorReport {
  let text = message.trim();
  const nothing = / \(nothing was imported\)$/.exec(text);
  if (nothing) text = text.slice(0, nothing.index);
  const head = /^(\d+ (?:rows have errors|errors)):\s*/.exec(text);
  let headline = "The file was not imported.";
  if (head) {
    headline = `${head[1]}; nothing was imported.`;
    text = text.slice(head[0].length);
  } else if (nothing) {
    headline = "1 row has an error; nothing was imported.";
  }
  let more = 0;
  const moreMatch = /;\s*and (\d+) more$/.exec(text);
  if (moreMatch) {
    more = Number(moreMatch[1]);
    text = text.slice(0, moreMatch.index);
  }
  // Split only where a new "line N" entry starts, so a "; " inside a reason stays whole.
  const rows = text.split(/;\s+(?=line \d+)/).map((s) => s.trim()).filter(Boolean);
  return { headline, rows, more };
}
