/** Options of {@link warmKeys}. */
export interface WarmKeysOptions {
  keys: readonly string[];
  /** Reloads one key into the cache; resolves false when the key is not one it knows. */
  refresh: (key: string) => Promise<boolean>;
  /** Most refreshes in flight at once, so a warm-up cannot flood Postgres. */
  concurrency: number;
  /** Called after each key (done, failed or skipped). */
  onProgress?: (done: number, total: number) => void;
}

/** What {@link warmKeys} did. */
export interface WarmKeysResult {
  warmed: number;
  failed: number;
}

/** Refreshes `keys` with at most `concurrency` loads in flight; a failed key is counted, never thrown. */
export async function warmKeys({
  keys,
  refresh,
  concurrency,
  onProgress,
}: WarmKeysOptions): Promise<WarmKeysResult> {
  let next = 0;
  let done = 0;
  const result = { warmed: 0, failed: 0 };
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++];
      try {
        if (await refresh(key)) result.warmed++;
      } catch {
        result.failed++;
      }
      onProgress?.(++done, keys.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, keys.length)) }, worker));
  return result;
}
