import { newId } from '../core/ids';
import { AppError } from '../../shared/ipc/envelope';
import type { LabelImportOption, LabelSet } from '../../shared/domain/labels';
import { classNames, findSetRow, insertSetRow, listSetRows, replaceClasses, replaceScope, updateSetRow, type LabelSetRow } from './labelRepository';
import { imageIdsInScope, importOptions, scopeOf } from './labelImages';
import { applyClassChanges, checkClassList, type ClassEntry } from './classChanges';
import { cleanName, type LabelStore } from './LabelStore';

export interface LabelSetInput {
  name: string;
  description?: string;
  classes: string[];
  /** Import ids the set covers; empty or absent: every image. */
  scope?: string[];
}

export interface LabelSetChanges {
  name?: string;
  description?: string;
  /**
   * The new class list, in key order. `was` names the class an entry renames; an entry
   * without `was` keeps the class of that name or adds a new one. Classes left out are removed.
   */
  classes?: ClassEntry[];
  /** For each removed class that is some image's current label: the class to move those labels to, or null to clear them. */
  moveLabels?: Record<string, string | null>;
  scope?: string[];
}

/** Label sets: create, list, rename and describe them, edit their classes and their scope. */
export class LabelSetService {
  constructor(private readonly store: LabelStore) {}

  /** Every label set with its classes and progress counts. */
  listSets(): LabelSet[] {
    return listSetRows(this.store.db).map((row) => this.toLabelSet(row));
  }

  /** One label set by id or name; NOT_FOUND otherwise. */
  getSet(idOrName: string): LabelSet {
    return this.toLabelSet(this.store.requireSet(idOrName));
  }

  /** Creates a label set with its classes (at least two, unique names). */
  createSet(input: LabelSetInput, author: string): LabelSet {
    const { db } = this.store;
    const name = cleanName(input.name);
    const classes = checkClassList(input.classes.map((c) => ({ name: c })));
    if (!name) throw new AppError('VALIDATION', 'A label set needs a name.', { key: 'errors.labels.labelSetNeedsName', issues: [{ path: 'name', message: 'Name is required', key: 'errors.issues.nameRequired' }] });
    return db.transaction(() => {
      this.assertNameFree(name, null);
      const row: LabelSetRow = { id: newId(), name, description: (input.description ?? '').trim(), created_at: this.store.now(), created_by: author };
      insertSetRow(db, row);
      replaceClasses(db, row.id, classes.map((c) => c.name));
      if (input.scope?.length) replaceScope(db, row.id, input.scope);
      return this.toLabelSet(row);
    })();
  }

  /**
   * Renames, describes, re-scopes or changes the classes of a set. Renaming a class in use
   * adds a history row per labelled image (the old rows keep the old name). Removing a class
   * that is some image's current label is refused unless `moveLabels` says where those go.
   */
  updateSet(idOrName: string, changes: LabelSetChanges, author: string): LabelSet {
    const { db } = this.store;
    return db.transaction(() => {
      const set = this.store.requireSet(idOrName);
      const name = changes.name !== undefined ? cleanName(changes.name) : set.name;
      if (!name) throw new AppError('VALIDATION', 'A label set needs a name.', { key: 'errors.labels.labelSetNeedsName', issues: [{ path: 'name', message: 'Name is required', key: 'errors.issues.nameRequired' }] });
      if (name !== set.name) this.assertNameFree(name, set.id);
      const description = changes.description !== undefined ? changes.description.trim() : set.description;
      updateSetRow(db, set.id, name, description);
      if (changes.scope) replaceScope(db, set.id, changes.scope);
      if (changes.classes) applyClassChanges(this.store, set, changes.classes, changes.moveLabels ?? {}, author);
      else if (changes.moveLabels && Object.keys(changes.moveLabels).length > 0) {
        throw new AppError('VALIDATION', 'Moving labels only applies when classes are removed.', { key: 'errors.labels.movingLabelsOnlyApplies', issues: [{ path: 'moveLabels', message: 'No class is being removed', key: 'errors.issues.noClassRemoved' }] });
      }
      return this.toLabelSet({ ...set, name, description });
    })();
  }

  /** Imports whose images a set can be scoped to. */
  importOptions(): LabelImportOption[] {
    return importOptions(this.store.db);
  }

  private assertNameFree(name: string, ownId: string | null): void {
    const holder = findSetRow(this.store.db, name);
    if (holder && holder.id !== ownId) {
      throw new AppError('CONFLICT', `There is already a label set called ${holder.name}. Nothing was changed.`, { key: 'errors.labels.labelSetNameTaken', params: { name: holder.name }, issues: [{ path: 'name', message: 'Name already in use', key: 'errors.issues.nameInUse' }] });
    }
  }

  private toLabelSet(row: LabelSetRow): LabelSet {
    const { db } = this.store;
    const names = classNames(db, row.id);
    const counts = new Map<string, number>();
    let labeled = 0;
    let reviewed = 0;
    for (const s of this.store.setState(row.id).values()) {
      if (s.className === null) continue;
      labeled++;
      counts.set(s.className, (counts.get(s.className) ?? 0) + 1);
      if (s.review && !s.reviewStale) reviewed++;
    }
    return {
      id: row.id,
      name: row.name,
      description: row.description,
      classes: names.map((name, idx) => ({ idx, name, count: counts.get(name) ?? 0 })),
      scope: scopeOf(db, row.id),
      createdAt: row.created_at,
      createdBy: row.created_by,
      images: imageIdsInScope(db, row.id).length,
      labeled,
      reviewed,
    };
  }
}
