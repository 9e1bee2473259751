import { useCallback, useState } from "react";

/**
 * Cursor paging state for one filter set: the cursors of the pages visited so far (page 0 has
 * none), so "previous" needs no server support. Changing `resetKey` starts again at page 0.
 */
export function useCursorPages(resetKey: string) {
  const [state, setState] = useState<{ key: string; cursors: (string | undefined)[] }>({ key: resetKey, cursors: [undefined] });
  const cursors = state.key === resetKey ? state.cursors : [undefined];
  const page = cursors.length - 1;
  const next = useCallback(
    (cursor: string | null | undefined) => {
      if (!cursor) return;
      setState((s) => ({ key: resetKey, cursors: [...(s.key === resetKey ? s.cursors : [undefined]), cursor] }));
    },
    [resetKey],
  );
  const previous = useCallback(() => {
    setState((s) => ({ key: resetKey, cursors: s.key === resetKey && s.cursors.length > 1 ? s.cursors.slice(0, -1) : [undefined] }));
  }, [resetKey]);
  return { page, cursor: cursors[page], next, previous };
}
