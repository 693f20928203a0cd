import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { ServiceConfig } from '@platform/config';
import {
  ConsumedEvent,
  dataSourceOptions,
  initializeDataSource,
  InboxService,
  ProcessedEvent,
} from '@platform/database';
import type { DataSource } from 'typeorm';
import { SERVICE_CONFIG } from '../service-kit.constants';
import { coalesce } from './consumer/coalesce';

/** The inbox calls the consumer makes (what {@link InboxService} offers). */
export type Inbox = Pick<InboxService, 'has' | 'recordOnce' | 'processedAmong' | 'recordMany'>;

/** Connections of the consumer's own pool: one per partition handled at once, at most this many. */
const MAX_CONNECTIONS = 4;

/**
 * The consumer's inbox on a small connection pool of its own (`<service>-consumer` in `pg_stat_activity`).
 * On the service's pool, its two statements per batch would queue behind every request transaction
 * waiting for a connection: a service busy writing (the moment its caches most need evicting) would delay
 * its own invalidations by seconds, as `npm run bench:events` showed (a 3-record batch took 313 ms at
 * 1,000 writes/s). Opened on first use, so a Postgres outage delays nothing at boot: a failed open rejects
 * the call, which the consumer retries as a transient failure. The batches of the partitions handled at
 * once share one statement ({@link coalesce}).
 */
@Injectable()
export class ConsumerInbox implements Inbox, OnApplicationShutdown {
  private opening?: Promise<InboxService>;
  private dataSource?: DataSource;
  private closed = false;

  constructor(@Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {}

  async has(eventId: string): Promise<boolean> {
    return (await this.inbox()).has(eventId);
  }

  async recordOnce(event: ConsumedEvent): Promise<boolean> {
    return (await this.inbox()).recordOnce(event);
  }

  processedAmong(eventIds: readonly string[]): Promise<Set<string>> {
    return this.lookUp(eventIds);
  }

  recordMany(events: readonly ConsumedEvent[]): Promise<Set<string>> {
    return this.record(events);
  }

  /** Each caller gets the processed ids among its own. */
  private readonly lookUp = coalesce(async (lists: readonly (readonly string[])[]) => {
    const found = await (await this.inbox()).processedAmong(lists.flat());
    return lists.map((ids) => new Set(ids.filter((id) => found.has(id))));
  });

  /** Each caller gets the ids recorded now among its own (an id twice: the first caller's). */
  private readonly record = coalesce(async (lists: readonly (readonly ConsumedEvent[])[]) => {
    const recorded = await (await this.inbox()).recordMany(lists.flat());
    return lists.map((events) => {
      const mine = new Set<string>();
      for (const { eventId } of events) {
        if (recorded.delete(eventId)) mine.add(eventId);
      }
      return mine;
    });
  });

  /** Runs after the consumer stopped (it stops before the application shuts down). */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    const dataSource = this.dataSource;
    this.dataSource = undefined;
    this.opening = undefined;
    if (dataSource?.isInitialized) await dataSource.destroy();
  }

  private inbox(): Promise<InboxService> {
    if (this.closed) return Promise.reject(new Error('ConsumerInbox: closed'));
    this.opening ??= this.open().catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }

  private async open(): Promise<InboxService> {
    const config = this.config;
    const options = dataSourceOptions(config, { entities: [ProcessedEvent], migrations: [] });
    const dataSource = await initializeDataSource({
      ...options,
      applicationName: `${config.name}-consumer`,
      extra: {
        ...options.extra,
        max: Math.max(1, Math.min(MAX_CONNECTIONS, config.consumer.partitionsConsumedConcurrently)),
      },
    });
    if (this.closed) {
      await dataSource.destroy();
      throw new Error('ConsumerInbox: closed');
    }
    this.dataSource = dataSource;
    return new InboxService(dataSource);
  }
}
