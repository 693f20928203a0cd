import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { CallRecord } from './call-record.entity';

/** Totals of one UTC hour of calls. */
export interface HourMetrics {
  /** Start of the hour, ISO 8601 UTC. */
  hour: string;
  calls: number;
  connectedCalls: number;
  revenueCents: number;
  durationSeconds: number;
}

/** One day of the KPIs. */
export interface DailyKpis {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  calls: number;
  connectRate: number;
  avgDurationSeconds: number;
  revenuePerCallCents: number;
  revenueCents: number;
}

/** What a view refresh made visible: the hours whose records arrived since the previous refresh. */
export interface RefreshOutcome {
  /** False when another instance holds the refresh lock (it refreshes; this one does nothing). */
  refreshed: boolean;
  /** Starts of the changed hours (ISO 8601 UTC). */
  hours: string[];
}

/** Records arriving this long after their transaction began are still seen by the next refresh. */
const COMMIT_LAG_MARGIN = '60 seconds';
/** Advisory lock id of the refresh (one instance per schema refreshes at a time). */
const REFRESH_LOCK = 'analytics.call_views.refresh';
const VIEWS = ['call_metrics_hourly', 'call_kpis_daily'] as const;

const iso = (value: Date | string) => new Date(value).toISOString();
const day = (value: Date | string) =>
  typeof value === 'string' ? value.slice(0, 10) : iso(value).slice(0, 10);

/**
 * The analytics read models: exact per-hour counters kept in step with every recorded call, and the
 * materialized views (hourly metrics, daily KPIs) refreshed with
 * `REFRESH MATERIALIZED VIEW CONCURRENTLY` by {@link refresh}.
 */
@Injectable()
export class CallMetricsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private get schema(): string {
    return `"${(this.db.options as { schema?: string }).schema ?? 'public'}"`;
  }

  /**
   * Adds a recorded call to its hour's counters (an unknown duration adds no talk time); call it in the
   * transaction that records the call.
   */
  async countCall(tx: EntityManager, record: CallRecord): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.schema}.call_hour_counters AS c
         VALUES (date_trunc('hour', $1::timestamptz), 1, $2, $3, $4)
       ON CONFLICT (hour) DO UPDATE SET calls = c.calls + 1, connected_calls = c.connected_calls + $2,
         revenue_cents = c.revenue_cents + $3, duration_seconds = c.duration_seconds + $4`,
      [
        record.startedAt,
        record.outcome === 'connected' ? 1 : 0,
        record.revenueCents,
        record.durationSeconds ?? 0,
      ],
    );
  }

  /** The open hour's totals, exact (from the counters). */
  async openHour(hour: Date): Promise<HourMetrics> {
    const rows: HourRow[] = await this.db.query(
      `SELECT hour, calls, connected_calls, revenue_cents, duration_seconds
         FROM ${this.schema}.call_hour_counters WHERE hour = $1`,
      [hour],
    );
    return toHour(hour, rows[0]);
  }

  /** A closed hour's totals, from the hourly view (as of its last refresh). */
  async closedHour(hour: Date): Promise<HourMetrics> {
    const rows: HourRow[] = await this.db.query(
      `SELECT hour, calls, connected_calls, revenue_cents, duration_seconds
         FROM ${this.schema}.call_metrics_hourly WHERE hour = $1`,
      [hour],
    );
    return toHour(hour, rows[0]);
  }

  /** Hourly totals over `[from, to)` from the hourly view, oldest first (hours without calls are omitted). */
  async hours(from: Date, to: Date): Promise<HourMetrics[]> {
    const rows: HourRow[] = await this.db.query(
      `SELECT hour, calls, connected_calls, revenue_cents, duration_seconds
         FROM ${this.schema}.call_metrics_hourly WHERE hour >= $1 AND hour < $2 ORDER BY hour`,
      [from, to],
    );
    return rows.map((row) => toHour(row.hour, row));
  }

  /** Daily KPIs of the last `days` days (UTC), oldest first, from the KPI view. */
  async kpis(days: number): Promise<DailyKpis[]> {
    const rows: {
      day: Date | string;
      calls: number;
      connect_rate: number;
      avg_duration_seconds: number;
      revenue_per_call_cents: number;
      revenue_cents: string;
    }[] = await this.db.query(
      `SELECT day::text AS day, calls, connect_rate, avg_duration_seconds, revenue_per_call_cents, revenue_cents
         FROM ${this.schema}.call_kpis_daily
        WHERE day > (now() AT TIME ZONE 'UTC')::date - $1::int ORDER BY day`,
      [days],
    );
    return rows.map((row) => ({
      day: day(row.day),
      calls: row.calls,
      connectRate: row.connect_rate,
      avgDurationSeconds: row.avg_duration_seconds,
      revenuePerCallCents: row.revenue_per_call_cents,
      revenueCents: Number(row.revenue_cents),
    }));
  }

  /**
   * Refreshes the views concurrently (reads are never blocked) under a transaction-scoped advisory
   * lock, so one instance refreshes while the others skip. Returns the hours whose records arrived since the
   * previous refresh (with a margin for transactions that committed late), which is exactly what
   * the refresh may have changed.
   */
  async refresh(): Promise<RefreshOutcome> {
    return this.db.transaction(async (tx) => {
      const [{ locked }]: { locked: boolean }[] = await tx.query(
        `SELECT pg_try_advisory_xact_lock(hashtext($1 || current_schema())) AS locked`,
        [REFRESH_LOCK],
      );
      if (!locked) return { refreshed: false, hours: [] };
      const [{ since }]: { since: Date }[] = await tx.query(
        `SELECT includes_until - interval '${COMMIT_LAG_MARGIN}' AS since
           FROM ${this.schema}.view_refreshes WHERE name = 'call_views' FOR UPDATE`,
      );
      for (const view of VIEWS)
        await tx.query(`REFRESH MATERIALIZED VIEW CONCURRENTLY ${this.schema}.${view}`);
      const changed: { hour: Date }[] = await tx.query(
        `SELECT DISTINCT date_trunc('hour', started_at) AS hour
           FROM ${this.schema}.call_records WHERE created_at > $1`,
        [since],
      );
      await tx.query(
        `UPDATE ${this.schema}.view_refreshes SET refreshed_at = clock_timestamp(), includes_until = now()
          WHERE name = 'call_views'`,
      );
      return {
        refreshed: true,
        hours: changed.map((row) => iso(row.hour)),
      };
    });
  }
}

interface HourRow {
  hour: Date;
  calls: number;
  connected_calls: number;
  revenue_cents: string;
  duration_seconds: string;
}

function toHour(hour: Date, row: HourRow | undefined): HourMetrics {
  return {
    hour: iso(hour),
    calls: row?.calls ?? 0,
    connectedCalls: row?.connected_calls ?? 0,
    revenueCents: Number(row?.revenue_cents ?? 0),
    durationSeconds: Number(row?.duration_seconds ?? 0),
  };
}
