/**
 * The grid's selection on one page of tiles, as plain functions of a state (so the rules are
 * tested without a browser): a cursor (the tile the keyboard is on), an anchor (where a Shift
 * range starts) and the selected image ids. Every function returns a new state.
 */
export interface GridSelection {
  /** Position of the keyboard cursor on the page. */
  cursor: number;
  /** Where a Shift+click or Shift+arrow range starts. */
  anchor: number;
  selected: ReadonlySet<string>;
}

export const emptySelection = (): GridSelection => ({ cursor: 0, anchor: 0, selected: new Set() });

function range(ids: readonly string[], a: number, b: number): string[] {
  const [lo, hi] = a <= b ? [a, b] : [b, a];
  return ids.slice(lo, hi + 1);
}

const clamp = (i: number, n: number) => Math.max(0, Math.min(n - 1, i));

/**
 * A click on tile i: alone it selects that tile only; with Shift the range from the anchor
 * (added to the selection when Ctrl is held too); with Ctrl (⌘) it adds or removes the tile.
 */
export function clickTile(s: GridSelection, ids: readonly string[], i: number, mods: { shift?: boolean; toggle?: boolean }): GridSelection {
  const id = ids[i];
  if (id === undefined) return s;
  if (mods.shift) {
    const base = mods.toggle ? [...s.selected] : [];
    return { cursor: i, anchor: s.anchor, selected: new Set([...base, ...range(ids, clamp(s.anchor, ids.length), i)]) };
  }
  if (mods.toggle) {
    const next = new Set(s.selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    return { cursor: i, anchor: i, selected: next };
  }
  return { cursor: i, anchor: i, selected: new Set([id]) };
}

/**
 * Moves the cursor by `delta` tiles (±1 across, ±columns up and down), stopping at the page's
 * ends. Plain, the selection stays as it is; with `extend` (Shift) it becomes the range from the anchor.
 */
export function moveCursor(s: GridSelection, ids: readonly string[], delta: number, extend: boolean): GridSelection {
  if (ids.length === 0) return s;
  const to = clamp(s.cursor + delta, ids.length);
  if (!extend) return { cursor: to, anchor: to, selected: s.selected };
  return { cursor: to, anchor: s.anchor, selected: new Set(range(ids, clamp(s.anchor, ids.length), to)) };
}

/** Space: selects or unselects the tile under the cursor. */
export function toggleCursor(s: GridSelection, ids: readonly string[]): GridSelection {
  return clickTile(s, ids, clamp(s.cursor, ids.length), { toggle: true });
}

/** Ctrl+A: every tile of the page. */
export function selectAll(s: GridSelection, ids: readonly string[]): GridSelection {
  return { ...s, selected: new Set(ids) };
}

/** A dragged box: the tiles it touches (positions), added to the selection when Ctrl is held. */
export function selectBox(s: GridSelection, ids: readonly string[], positions: readonly number[], add: boolean): GridSelection {
  const picked = positions.map((i) => ids[i]).filter((id): id is string => id !== undefined);
  if (picked.length === 0) return s;
  const last = positions[positions.length - 1]!;
  return { cursor: last, anchor: positions[0]!, selected: new Set([...(add ? s.selected : []), ...picked]) };
}

/** What a class key labels: the selection in page order, or the tile under the cursor when nothing is selected. */
export function targets(s: GridSelection, ids: readonly string[]): string[] {
  if (s.selected.size > 0) return ids.filter((id) => s.selected.has(id));
  const id = ids[clamp(s.cursor, ids.length)];
  return id === undefined ? [] : [id];
}

/** The page size before the grid is laid out (and in a test without layout). */
export const UNMEASURED_PAGE = 48;

/**
 * How many tiles a page holds: as many whole tiles as fit the area (so a page needs no
 * scrolling), at least `min` (a small window scrolls then) and at most `max`.
 */
export function fitPage(area: { width: number; height: number }, tile: { width: number; height: number; gap: number }, min = 24, max = 120): { columns: number; pageSize: number } {
  const columns = Math.max(1, Math.floor((area.width + tile.gap) / (tile.width + tile.gap)));
  if (area.width <= 0 || area.height <= 0) return { columns: area.width > 0 ? columns : 8, pageSize: UNMEASURED_PAGE };
  const rows = Math.max(1, Math.floor((area.height + tile.gap) / (tile.height + tile.gap)));
  return { columns, pageSize: Math.max(min, Math.min(max, columns * rows)) };
}
