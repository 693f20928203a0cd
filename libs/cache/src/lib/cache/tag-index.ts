/**
 * The tags of the entries in this process's L1: tag → keys and key → tags, so a tag invalidation evicts L1
 * without a scan, and a key leaving L1 (deleted, evicted, expired) leaves the index too.
 */
export class L1TagIndex {
  private readonly tagKeys = new Map<string, Set<string>>();
  private readonly keyTags = new Map<string, readonly string[]>();

  /** Records that `full` (now in L1) carries `tags`. */
  add(full: string, tags: readonly string[]): void {
    this.keyTags.set(full, tags);
    for (const tag of tags) {
      let keys = this.tagKeys.get(tag);
      if (keys === undefined) this.tagKeys.set(tag, (keys = new Set()));
      keys.add(full);
    }
  }

  /** Forgets `full`'s tags. */
  remove(full: string): void {
    const tags = this.keyTags.get(full);
    if (tags === undefined) return;
    this.keyTags.delete(full);
    for (const tag of tags) {
      const keys = this.tagKeys.get(tag);
      keys?.delete(full);
      if (keys?.size === 0) this.tagKeys.delete(tag);
    }
  }

  /** The keys carrying `tag` (a copy, safe to iterate while removing), and forgets the tag. */
  take(tag: string): string[] {
    const keys = this.tagKeys.get(tag);
    if (keys === undefined) return [];
    this.tagKeys.delete(tag);
    return [...keys];
  }

  /** Forgets every key starting with `prefix`. */
  removePrefix(prefix: string): void {
    for (const full of [...this.keyTags.keys()]) if (full.startsWith(prefix)) this.remove(full);
  }

  /** Forgets everything. */
  clear(): void {
    this.tagKeys.clear();
    this.keyTags.clear();
  }
}
