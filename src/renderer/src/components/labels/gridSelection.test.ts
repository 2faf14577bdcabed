import { describe, expect, it } from 'vitest';
import { clickTile, emptySelection, fitPage, moveCursor, selectAll, selectBox, targets, toggleCursor } from './gridSelection';

const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const sel = (s: { selected: ReadonlySet<string> }) => [...s.selected].sort();

describe('grid selection', () => {
  it('click selects one, Shift+click a range from the anchor, Ctrl+click adds or removes one', () => {
    let s = clickTile(emptySelection(), ids, 2, {});
    expect(sel(s)).toEqual(['c']);
    s = clickTile(s, ids, 5, { shift: true });
    expect(sel(s)).toEqual(['c', 'd', 'e', 'f']);
    // A second Shift+click re-ranges from the same anchor (backwards too).
    s = clickTile(s, ids, 0, { shift: true });
    expect(sel(s)).toEqual(['a', 'b', 'c']);
    s = clickTile(s, ids, 7, { toggle: true });
    expect(sel(s)).toEqual(['a', 'b', 'c', 'h']);
    s = clickTile(s, ids, 1, { toggle: true });
    expect(sel(s)).toEqual(['a', 'c', 'h']);
    // Ctrl+Shift adds the range from the anchor (now b, the last Ctrl+click) to what was there.
    s = clickTile(s, ids, 5, { shift: true, toggle: true });
    expect(sel(s)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'h']);
  });

  it('arrows move the cursor only; Shift+arrows extend from the anchor; Space toggles; Ctrl+A takes the page', () => {
    const columns = 4;
    let s = clickTile(emptySelection(), ids, 1, {});
    s = moveCursor(s, ids, columns, false);
    expect(s.cursor).toBe(5);
    expect(sel(s)).toEqual(['b']);
    s = toggleCursor(s, ids);
    expect(sel(s)).toEqual(['b', 'f']);
    s = moveCursor(s, ids, 1, true);
    s = moveCursor(s, ids, 1, true);
    expect(sel(s)).toEqual(['f', 'g', 'h']);
    // The cursor stops at the page's ends.
    s = moveCursor(s, ids, columns, false);
    expect(s.cursor).toBe(7);
    s = moveCursor(s, ids, -100, false);
    expect(s.cursor).toBe(0);
    expect(sel(selectAll(s, ids))).toEqual(ids);
  });

  it('a class key labels the selection in page order, else the tile under the cursor', () => {
    let s = clickTile(emptySelection(), ids, 6, {});
    s = clickTile(s, ids, 2, { toggle: true });
    expect(targets(s, ids)).toEqual(['c', 'g']);
    expect(targets({ ...emptySelection(), cursor: 3 }, ids)).toEqual(['d']);
    expect(targets(emptySelection(), [])).toEqual([]);
  });

  it('a dragged box selects the tiles it touches, or adds them with Ctrl', () => {
    const s = clickTile(emptySelection(), ids, 0, {});
    expect(sel(selectBox(s, ids, [2, 3, 6, 7], false))).toEqual(['c', 'd', 'g', 'h']);
    expect(sel(selectBox(s, ids, [2, 3], true))).toEqual(['a', 'c', 'd']);
  });

  it('fits the page to the area, between 24 and 120 tiles (48 before layout)', () => {
    const tile = { width: 92, height: 116, gap: 8 };
    expect(fitPage({ width: 1000, height: 700 }, tile)).toEqual({ columns: 10, pageSize: 50 });
    expect(fitPage({ width: 800, height: 500 }, tile)).toEqual({ columns: 8, pageSize: 32 });
    expect(fitPage({ width: 400, height: 300 }, tile)).toEqual({ columns: 4, pageSize: 24 });
    expect(fitPage({ width: 2400, height: 1400 }, tile)).toEqual({ columns: 24, pageSize: 120 });
    expect(fitPage({ width: 0, height: 0 }, tile)).toEqual({ columns: 8, pageSize: 48 });
  });
});
