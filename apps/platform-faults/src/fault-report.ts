/** The fault suite's figures per fault, and the table it prints and writes to `tmp/faults/faults.md`. */

/** How one request of the load ended. */
export type RequestOutcome = 'ok' | 'designed-503' | 'failed';

/** One request of the load. */
export interface RequestRecord {
  readonly route: string;
  readonly write: boolean;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly outcome: RequestOutcome;
  /** HTTP status, or 0 for a connection error or timeout. */
  readonly status: number;
  /** A read of an entity the load never writes, so always cached after the first read. */
  readonly cachedRead: boolean;
  readonly detail?: string;
}

/** What one fault did, as the table shows it. */
export interface FaultFigures {
  readonly fault: string;
  readonly requests: number;
  readonly failed: number;
  readonly designed503: number;
  /** p99 latency (ms) of the requests started while the fault lasted. */
  readonly p99DuringFaultMs: number;
  /** From the fault's end (server back) until requests succeed and caches are in use again. */
  readonly timeToRecoverMs: number;
  readonly lostWrites: number;
  readonly lostInvalidations: number;
  readonly staleReadsAfterBound: number;
  /** Reads of cached entities started during the fault: answered 200 / all. */
  readonly cachedReadsDuringFault: { ok: number; all: number };
  /** The first few failures, for the report. */
  readonly examples: readonly string[];
}

/** The `q` quantile (0..1) of `values` by nearest rank; 0 for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Figures of the requests of one phase: counts over all of them, p99 over those started in `[from, to)`. */
export function requestFigures(
  records: readonly RequestRecord[],
  fault: { from: number; to: number },
): Pick<
  FaultFigures,
  'requests' | 'failed' | 'designed503' | 'p99DuringFaultMs' | 'cachedReadsDuringFault'
> & {
  examples: string[];
} {
  const during = records.filter((r) => r.startedAt >= fault.from && r.startedAt < fault.to);
  const cached = during.filter((r) => r.cachedRead);
  const failures = records.filter((r) => r.outcome === 'failed');
  return {
    requests: records.length,
    failed: failures.length,
    designed503: records.filter((r) => r.outcome === 'designed-503').length,
    p99DuringFaultMs: quantile(
      during.map((r) => r.endedAt - r.startedAt),
      0.99,
    ),
    cachedReadsDuringFault: { ok: cached.filter((r) => r.outcome === 'ok').length, all: cached.length },
    examples: [
      ...failures.slice(0, 5).map((r) => `failed: ${r.route}: ${r.status} ${r.detail ?? ''}`.trim()),
      ...records
        .filter((r) => r.outcome === 'designed-503')
        .slice(0, 3)
        .map((r) => `designed 503: ${r.route} ${r.detail ?? ''}`.trim()),
    ],
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The Markdown table of every fault, one row each. */
export function faultTable(rows: readonly FaultFigures[]): string {
  const header = [
    'fault',
    'requests',
    'failed',
    'designed 503',
    'p99 during fault',
    'time to recover',
    'lost writes',
    'lost invalidations',
    'stale reads after bound',
    'cached reads during fault (ok / all)',
  ];
  const lines = [
    `| ${header.join(' | ')} |`,
    `| ${header.map((h, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
  ];
  for (const row of rows) {
    lines.push(
      `| ${[
        row.fault,
        row.requests,
        row.failed,
        row.designed503,
        `${Math.round(row.p99DuringFaultMs)} ms`,
        seconds(row.timeToRecoverMs),
        row.lostWrites,
        row.lostInvalidations,
        row.staleReadsAfterBound,
        `${row.cachedReadsDuringFault.ok} / ${row.cachedReadsDuringFault.all}`,
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}
