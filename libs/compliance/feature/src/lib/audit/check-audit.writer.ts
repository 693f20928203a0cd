import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { CACHE_METRICS_REGISTRY } from '@platform/cache/nest';
import { DomainError } from '@platform/service-kit';
import { Counter, Gauge, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import type { CheckDecision } from '../check-decision';

/** Most decisions held in memory while Postgres cannot take them; past it, checks are refused. */
export const AUDIT_BUFFER_LIMIT = 100_000;
/** Most rows in one INSERT. */
const BATCH_SIZE = 2_000;
/** How often the buffer is flushed; doubled per consecutive failure, up to {@link MAX_BACKOFF_MS}. */
const FLUSH_INTERVAL_MS = 100;
const MAX_BACKOFF_MS = 5_000;

/**
 * The audit buffer is full (Postgres has refused writes for a while): the check is refused rather than
 * answered without a record. Code `AUDIT.BACKLOG_FULL`, 503 / gRPC `UNAVAILABLE`.
 */
export class AuditBacklogFullError extends DomainError {
  readonly kind = 'unavailable' as const;
  readonly code = 'AUDIT.BACKLOG_FULL';

  constructor() {
    super('The compliance audit trail is behind; retry later');
  }
}

/**
 * Appends check decisions to the append-only `check_audit` table off the request path: `append` only
 * queues; a timer writes batches. A failed batch stays queued and is retried with backoff, so a Postgres
 * outage loses nothing; the queue is bounded by {@link AUDIT_BUFFER_LIMIT} decisions, past which `append`
 * throws {@link AuditBacklogFullError} and the check is refused (never answered unaudited). On shutdown the
 * queue is flushed once more. Metrics: `compliance_audit_buffered`, `compliance_audit_written_total`,
 * `compliance_audit_flush_failures_total`, `compliance_audit_refused_total`.
 */
@Injectable()
export class CheckAuditWriter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CheckAuditWriter.name);
  private queue: CheckDecision[] = [];
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private flushing: Promise<void> | undefined;
  private readonly buffered: Gauge;
  private readonly written: Counter;
  private readonly flushFailures: Counter;
  private readonly refused: Counter;

  constructor(
    private readonly db: DataSource,
    @Inject(CACHE_METRICS_REGISTRY) registry: Registry,
  ) {
    const gauge = (name: string, help: string) =>
      (registry.getSingleMetric(name) as Gauge | undefined) ??
      new Gauge({ name, help, registers: [registry] });
    const counter = (name: string, help: string) =>
      (registry.getSingleMetric(name) as Counter | undefined) ??
      new Counter({ name, help, registers: [registry] });
    this.buffered = gauge('compliance_audit_buffered', 'Check decisions waiting to be written');
    this.written = counter('compliance_audit_written_total', 'Check decisions written to check_audit');
    this.flushFailures = counter(
      'compliance_audit_flush_failures_total',
      'Audit batches that failed (retried)',
    );
    this.refused = counter(
      'compliance_audit_refused_total',
      'Checks refused because the audit buffer was full',
    );
  }

  onModuleInit(): void {
    this.schedule(FLUSH_INTERVAL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** How many decisions wait to be written. */
  get pending(): number {
    return this.queue.length;
  }

  /** Queues decisions for the trail; throws {@link AuditBacklogFullError} (queuing none) when they do not fit. */
  append(decisions: readonly CheckDecision[]): void {
    if (this.queue.length + decisions.length > AUDIT_BUFFER_LIMIT) {
      this.refused.inc(decisions.length);
      throw new AuditBacklogFullError();
    }
    for (const decision of decisions) this.queue.push(decision);
    this.buffered.set(this.queue.length);
  }

  /** Writes everything queued now; a failed batch stays queued for the next attempt. */
  flush(): Promise<void> {
    this.flushing ??= this.writeQueued().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async writeQueued(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, BATCH_SIZE);
      try {
        await this.insert(batch);
      } catch (error) {
        this.failures++;
        this.flushFailures.inc();
        this.logger.warn({ error, queued: this.queue.length }, 'audit batch not written; retrying');
        return;
      }
      this.failures = 0;
      this.queue = this.queue.slice(batch.length);
      this.written.inc(batch.length);
      this.buffered.set(this.queue.length);
    }
  }

  private insert(batch: readonly CheckDecision[]): Promise<unknown> {
    const schema = this.db.driver.escape((this.db.options as { schema?: string }).schema ?? 'public');
    return this.db.query(
      `INSERT INTO ${schema}.check_audit (phone_hash, allowed, rule_version, reasons, state, checked_at)
       SELECT h, a, v, CASE WHEN r = '' THEN '{}'::text[] ELSE string_to_array(r, ',') END, s,
              to_timestamp(t / 1000.0)
       FROM unnest($1::text[], $2::boolean[], $3::integer[], $4::text[], $5::text[], $6::float8[])
         AS x(h, a, v, r, s, t)`,
      [
        batch.map((d) => d.phoneHash),
        batch.map((d) => d.allowed),
        batch.map((d) => d.ruleVersion),
        batch.map((d) => d.reasons.join(',')),
        batch.map((d) => d.state),
        batch.map((d) => d.checkedAt),
      ],
    );
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      void this.flush().finally(() => {
        if (this.timer !== undefined) {
          this.schedule(Math.min(MAX_BACKOFF_MS, FLUSH_INTERVAL_MS * 2 ** this.failures));
        }
      });
    }, delayMs);
    this.timer.unref();
  }
}
