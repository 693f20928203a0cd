/** Outcome of a create-or-replace: the row before (null when it was created) and after, and whether it changed. */
export interface Upserted<T> {
  before: T | null;
  after: T;
  changed: boolean;
}
