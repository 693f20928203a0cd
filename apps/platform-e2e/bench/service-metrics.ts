/**
 * The figures `bench:load` reads from a service's `/metrics` before and after a measured window: cache lookups
 * per layer (`cache_hits_total` / `cache_misses_total`, summed over namespaces) and SQL statements
 * (`db_queries_total`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { DB_QUERIES_METRIC } from '@platform/service-kit';

/** Counters of one service at one moment. */
export interface ServiceCounters {
  readonly l1Hits: number;
  readonly l1Misses: number;
  readonly l2Hits: number;
  readonly l2Misses: number;
  readonly dbQueries: number;
}

/** Sums the samples of `metric` whose labels match `labels` (Prometheus text format). */
function sum(text: string, metric: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    if (!Object.entries(labels).every(([name, value]) => line.includes(`${name}="${value}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** Scrapes a service's counters. */
export async function scrapeCounters(httpUrl: string): Promise<ServiceCounters> {
  const response = await fetch(`${httpUrl}/metrics`);
  if (response.status !== 200) throw new Error(`${httpUrl}/metrics answered ${response.status}`);
  const text = await response.text();
  return {
    l1Hits: sum(text, 'cache_hits_total', { layer: 'l1' }),
    l1Misses: sum(text, 'cache_misses_total', { layer: 'l1' }),
    l2Hits: sum(text, 'cache_hits_total', { layer: 'l2' }),
    l2Misses: sum(text, 'cache_misses_total', { layer: 'l2' }),
    dbQueries: sum(text, DB_QUERIES_METRIC),
  };
}

/** `after - before`, field by field. */
export function delta(before: ServiceCounters, after: ServiceCounters): ServiceCounters {
  return {
    l1Hits: after.l1Hits - before.l1Hits,
    l1Misses: after.l1Misses - before.l1Misses,
    l2Hits: after.l2Hits - before.l2Hits,
    l2Misses: after.l2Misses - before.l2Misses,
    dbQueries: after.dbQueries - before.dbQueries,
  };
}

/** Field-by-field sum, for figures over every service. */
export function add(a: ServiceCounters, b: ServiceCounters): ServiceCounters {
  return {
    l1Hits: a.l1Hits + b.l1Hits,
    l1Misses: a.l1Misses + b.l1Misses,
    l2Hits: a.l2Hits + b.l2Hits,
    l2Misses: a.l2Misses + b.l2Misses,
    dbQueries: a.dbQueries + b.dbQueries,
  };
}

/** Hit rates per the spec's table: L1 of all lookups, L2 of L1's misses, overall of all lookups. */
export function hitRates(c: ServiceCounters): { l1?: number; l2?: number; overall?: number } {
  const lookups = c.l1Hits + c.l1Misses;
  const l2Lookups = c.l2Hits + c.l2Misses;
  return {
    l1: lookups > 0 ? c.l1Hits / lookups : undefined,
    l2: l2Lookups > 0 ? c.l2Hits / l2Lookups : undefined,
    overall: lookups > 0 ? (c.l1Hits + c.l2Hits) / lookups : undefined,
  };
}

/** CPU time (user + system) a process has used so far, in ms, from `/proc/<pid>/stat`; 0 when it is gone. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Linux's USER_HZ: `/proc` counts CPU time in 1/100 s on every platform Node runs on. */
const CLOCK_TICKS = 100;

/**
 * CPU ms used so far by each process whose command name (`/proc/<pid>/comm`) is one of `names`, by pid. Compare
 * two samples with {@link cpuGrowth}, not their sums: a process that exits in between (a Postgres backend of a
 * closed connection) takes its CPU with it, and a difference of sums would go down, even below zero.
 */
export function commandCpuMs(names: readonly string[]): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (names.includes(readFileSync(`/proc/${entry}/comm`, 'utf8').trim()))
        byPid.set(Number(entry), processCpuMs(Number(entry)));
    } catch {
      // The process ended while being read.
    }
  }
  return byPid;
}

/**
 * CPU ms the processes of `after` used since `before`: those alive at both samples, and those started in
 * between (from zero). What exited in between is not counted: an undercount, never a negative figure.
 */
export function cpuGrowth(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += Math.max(0, ms - (before.get(pid) ?? 0));
  return total;
}

/** Busy CPU ms of the whole machine so far, all cores (`/proc/stat`: every state but idle and iowait). */
export function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  void idle;
  void iowait;
  return ((user + nice + system + irq + softirq + steal) * 1000) / CLOCK_TICKS;
}
