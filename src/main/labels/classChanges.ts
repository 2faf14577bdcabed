import { AppError } from '../../shared/ipc/envelope';
import { classNames, replaceClasses, type LabelSetRow } from './labelRepository';
import type { ImageState } from './labelState';
import { appendLabel } from './ports';
import { cleanName, type LabelStore } from './LabelStore';

/** A class in a new class list; `was` names the class it renames. */
export interface ClassEntry {
  name: string;
  was?: string;
}

const MAX_CLASSES = 50;

/** Cleans a class list and checks it: 2 to 50 classes, each named, no name twice (ignoring case). */
export function checkClassList(entries: ClassEntry[]): ClassEntry[] {
  const out = entries.map((e) => ({ name: cleanName(e.name), ...(e.was !== undefined ? { was: cleanName(e.was) } : {}) }));
  if (out.length < 2) throw new AppError('VALIDATION', 'A label set needs at least two classes.', { key: 'errors.labels.labelSetNeedsAt', issues: [{ path: 'classes', message: 'At least two classes', key: 'errors.issues.atLeastTwoClasses' }] });
  if (out.length > MAX_CLASSES) throw new AppError('VALIDATION', `A label set has at most ${MAX_CLASSES} classes.`, { key: 'errors.labels.labelSetHasAt', params: { max: MAX_CLASSES }, issues: [{ path: 'classes', message: 'Too many classes', key: 'errors.issues.tooManyClasses' }] });
  const seen = new Set<string>();
  out.forEach((e, i) => {
    if (!e.name) throw new AppError('VALIDATION', 'Every class needs a name.', { key: 'errors.labels.everyClassNeedsName', issues: [{ path: `classes.${i}`, message: 'Name is required', key: 'errors.issues.nameRequired' }] });
    const key = e.name.toLowerCase();
    if (seen.has(key)) throw new AppError('VALIDATION', `Class "${e.name}" is listed twice.`, { key: 'errors.labels.classListedTwice', params: { name: e.name }, issues: [{ path: `classes.${i}`, message: 'Duplicate class', key: 'errors.issues.duplicateClass' }] });
    seen.add(key);
  });
  return out;
}

/**
 * Replaces a set's classes with `entries` (run inside the caller's transaction). Renaming a
 * class in use adds a history row per image it labels (the old rows keep the old name);
 * removing one is refused with CONFLICT unless `moveLabels` says where its labels go
 * (another class, or null to clear them), and then those labels move in new rows.
 */
export function applyClassChanges(store: LabelStore, set: LabelSetRow, entries: ClassEntry[], moveLabels: Record<string, string | null>, author: string): void {
  const old = classNames(store.db, set.id);
  const next = checkClassList(entries);
  const claimed = new Map<string, string>(); // old name -> new name
  next.forEach((e, i) => {
    const from = e.was ?? (old.includes(e.name) ? e.name : undefined);
    if (from === undefined) return;
    if (!old.includes(from)) {
      throw new AppError('VALIDATION', `"${from}" is not a class of ${set.name}, so it cannot be renamed.`, { key: 'errors.labels.notClassSoCannot', params: { from, name: set.name }, issues: [{ path: `classes.${i}.was`, message: 'Not a class of this set', key: 'errors.issues.notClassOfSet' }] });
    }
    if (claimed.has(from)) throw new AppError('VALIDATION', `Class "${from}" appears twice in the new list.`, { key: 'errors.labels.classAppearsTwiceNew', params: { from }, issues: [{ path: `classes.${i}`, message: 'Used twice', key: 'errors.issues.usedTwice' }] });
    claimed.set(from, e.name);
  });
  const nextNames = next.map((e) => e.name);
  const removed = old.filter((n) => !claimed.has(n));
  for (const [from, to] of Object.entries(moveLabels)) {
    if (!removed.includes(from)) {
      throw new AppError('VALIDATION', `"${from}" is not a class being removed.`, { key: 'errors.labels.notClassBeingRemoved', params: { from }, issues: [{ path: `moveLabels.${from}`, message: 'Not a removed class', key: 'errors.issues.notRemovedClass' }] });
    }
    if (to !== null && !nextNames.includes(to)) {
      throw new AppError('VALIDATION', `Labels can only move to a class of the set; "${to}" is not one.`, { key: 'errors.labels.labelsCanOnlyMove', params: { to }, issues: [{ path: `moveLabels.${from}`, message: 'Unknown class', key: 'errors.issues.unknownClass' }] });
    }
  }
  const byClass = imagesByClass(store.setState(set.id));
  const blocked = removed.filter((n) => (byClass.get(n)?.length ?? 0) > 0 && !(n in moveLabels));
  if (blocked.length > 0) {
    const what = blocked.map((n) => `"${n}" (${byClass.get(n)!.length} image${byClass.get(n)!.length === 1 ? '' : 's'})`).join(', ');
    throw new AppError(
      'CONFLICT',
      `Class ${what} is the current label of images in ${set.name}. Choose a class to move those labels to, or clear them; nothing was changed.`,
      {
        key: 'errors.labels.classCurrentLabelImages',
        params: { what, name: set.name },
        issues: blocked.map((n) => ({ path: `moveLabels.${n}`, message: 'In use: choose where its labels go', key: 'errors.issues.classInUse' })),
      },
    );
  }
  replaceClasses(store.db, set.id, nextNames);
  const createdAt = store.now();
  for (const [from, to] of claimed) {
    if (from === to) continue;
    for (const s of byClass.get(from) ?? []) {
      appendLabel(store.db, { imageId: s.imageId, labelSetId: set.id, className: to, source: s.top!.source, author, createdAt, note: `class "${from}" renamed to "${to}"` });
    }
  }
  for (const from of removed) {
    const to = moveLabels[from];
    for (const s of byClass.get(from) ?? []) {
      appendLabel(store.db, {
        imageId: s.imageId,
        labelSetId: set.id,
        className: to ?? null,
        source: to ? s.top!.source : 'hand',
        author,
        createdAt,
        note: to ? `class "${from}" removed; label moved to "${to}"` : `class "${from}" removed; label cleared`,
      });
    }
  }
}

/** The images whose current label is each class. */
function imagesByClass(states: Map<string, ImageState>): Map<string, ImageState[]> {
  const byClass = new Map<string, ImageState[]>();
  for (const s of states.values()) {
    if (s.className === null) continue;
    const list = byClass.get(s.className);
    if (list) list.push(s);
    else byClass.set(s.className, [s]);
  }
  return byClass;
}
