import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { Repository } from 'typeorm';
import { DncEntry } from './dnc-entry.entity';

/** A DNC file being imported, as its checkpoint row says. */
export interface DncImportCheckpoint {
  fileId: string;
  fileName: string;
  fileBytes: number;
  /** Bytes of the file applied so far (always at a line boundary). */
  byteOffset: number;
  /** Lines of the file applied so far. */
  lineOffset: number;
  added: number;
  removed: number;
  rejected: number;
  status: 'running' | 'done';
  /** The list generation the import published when it finished. */
  generation: number | null;
}

/** One batch of an import: the net effect of its lines (last action per hash wins) and where it ends. */
export interface DncImportBatch {
  fileId: string;
  /** Where the previous batch ended: the batch applies only if the checkpoint is still there. */
  fromByte: number;
  toByte: number;
  toLine: number;
  /** Hashes to list (existing entries are left as they are). */
  adds: readonly string[];
  /** Hashes to unlist. */
  removes: readonly string[];
  /** Lines of the batch that were not a valid `add`/`remove` row. */
  rejected: number;
  /** The `source` of new entries. */
  source: string;
}

/** Thrown when a batch's checkpoint moved under it: another process is importing the same file. */
export class DncImportConflictError extends Error {
  readonly code = 'DNC_IMPORT.CONFLICT';
  constructor(fileId: string) {
    super(`dnc import ${fileId.slice(0, 12)}… moved on in another process`);
  }
}

interface CheckpointRow {
  file_id: string;
  file_name: string;
  file_bytes: string;
  byte_offset: string;
  line_offset: string;
  added: number;
  removed: number;
  rejected: number;
  status: 'running' | 'done';
  generation: number | null;
}

/**
 * The rows of a `manager.query` with RETURNING: TypeORM's Postgres driver answers an UPDATE or DELETE with
 * `[rows, affected]`, an INSERT or SELECT with the rows alone.
 */
const returned = <T>(result: unknown): T[] =>
  Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number'
    ? (result[0] as T[])
    : (result as T[]);

const toCheckpoint = (row: CheckpointRow): DncImportCheckpoint => ({
  fileId: row.file_id,
  fileName: row.file_name,
  fileBytes: Number(row.file_bytes),
  byteOffset: Number(row.byte_offset),
  lineOffset: Number(row.line_offset),
  added: row.added,
  removed: row.removed,
  rejected: row.rejected,
  status: row.status,
  generation: row.generation,
});

/**
 * Persistence of the DNC list as a whole: bulk import batches with their checkpoint, the list's
 * generation, and the reads the membership filter is built from. Knows only phone hashes.
 */
@Injectable()
export class DncSyncRepository {
  constructor(@InjectRepository(DncEntry) private readonly entries: Repository<DncEntry>) {}

  private get schema(): string {
    return this.entries.manager.connection.driver.escape(this.entries.metadata.schema ?? 'public');
  }

  /** The current generation of the list (0 before any import). */
  async generation(): Promise<number> {
    const rows: { generation: number }[] = await this.entries.query(
      `SELECT generation FROM ${this.schema}.dnc_list_state WHERE id = 1`,
    );
    return rows[0]?.generation ?? 0;
  }

  /** The checkpoint of the file, created (at offset 0) if this is its first import. */
  async startImport(file: {
    fileId: string;
    fileName: string;
    fileBytes: number;
  }): Promise<DncImportCheckpoint> {
    await this.entries.query(
      `INSERT INTO ${this.schema}.dnc_imports (file_id, file_name, file_bytes) VALUES ($1, $2, $3)
       ON CONFLICT (file_id) DO NOTHING`,
      [file.fileId, file.fileName.slice(0, 255), file.fileBytes],
    );
    const rows: CheckpointRow[] = await this.entries.query(
      `SELECT * FROM ${this.schema}.dnc_imports WHERE file_id = $1`,
      [file.fileId],
    );
    return toCheckpoint(rows[0]);
  }

  /** The checkpoint of the file, or null if it was never imported. */
  async checkpoint(fileId: string): Promise<DncImportCheckpoint | null> {
    const rows: CheckpointRow[] = await this.entries.query(
      `SELECT * FROM ${this.schema}.dnc_imports WHERE file_id = $1`,
      [fileId],
    );
    return rows[0] ? toCheckpoint(rows[0]) : null;
  }

  /**
   * Applies one batch and moves the checkpoint, in one short transaction: both commit or neither, so an
   * interrupted import resumes exactly after its last committed batch. Row locks only (no table lock):
   * checks keep reading the list meanwhile. Rejects with {@link DncImportConflictError} when the
   * checkpoint is no longer at `fromByte`.
   */
  applyBatch(batch: DncImportBatch): Promise<{ added: number; removed: number }> {
    return this.entries.manager.transaction(async (manager) => {
      const moved = returned(
        await manager.query(
          `UPDATE ${this.schema}.dnc_imports
            SET byte_offset = $3, line_offset = $4, rejected = rejected + $5, updated_at = now()
          WHERE file_id = $1 AND byte_offset = $2 AND status = 'running'
          RETURNING file_id`,
          [batch.fileId, batch.fromByte, batch.toByte, batch.toLine, batch.rejected],
        ),
      );
      if (moved.length === 0) throw new DncImportConflictError(batch.fileId);
      const added: unknown[] =
        batch.adds.length === 0
          ? []
          : await manager.query(
              `INSERT INTO ${this.schema}.dnc_entries (phone_hash, source)
               SELECT hash, $2 FROM unnest($1::char(64)[]) AS hash
               ON CONFLICT (phone_hash) DO NOTHING
               RETURNING phone_hash`,
              [batch.adds, batch.source],
            );
      const removed: unknown[] =
        batch.removes.length === 0
          ? []
          : returned(
              await manager.query(
                `DELETE FROM ${this.schema}.dnc_entries WHERE phone_hash = ANY($1::char(64)[]) RETURNING phone_hash`,
                [batch.removes],
              ),
            );
      await manager.query(
        `UPDATE ${this.schema}.dnc_imports SET added = added + $2, removed = removed + $3 WHERE file_id = $1`,
        [batch.fileId, added.length, removed.length],
      );
      return { added: added.length, removed: removed.length };
    });
  }

  /**
   * Publishes a new generation of the list in one transaction: bumps `dnc_list_state.generation` (its row
   * lock serialises concurrent publishers), runs `then` with the new generation (build the filter, queue
   * the event) and, for an import, marks the file done with it.
   */
  publishGeneration(
    options: { fileId?: string },
    then: (manager: EntityManager, generation: number) => Promise<void>,
  ): Promise<number> {
    return this.entries.manager.transaction(async (manager) => {
      const rows = returned<{ generation: number }>(
        await manager.query(
          `UPDATE ${this.schema}.dnc_list_state SET generation = generation + 1, updated_at = now()
            WHERE id = 1 RETURNING generation`,
        ),
      );
      const generation = rows[0].generation;
      await then(manager, generation);
      if (options.fileId !== undefined) {
        await manager.query(
          `UPDATE ${this.schema}.dnc_imports
              SET status = 'done', generation = $2, finished_at = now(), updated_at = now()
            WHERE file_id = $1`,
          [options.fileId, generation],
        );
      }
      return generation;
    });
  }

  /**
   * The horizon of a scan of the list that starts now: an entry the scan may miss is inserted either by a
   * transaction already writing `dnc_entries` (it holds the table's RowExclusiveLock: its start bounds the
   * horizon) or later, with a later `added_at` (which defaults to the insert's own clock). So every entry
   * missing from the scan has `added_at` at or after the horizon. One second of margin for clock reads.
   */
  async scanHorizon(manager: EntityManager = this.entries.manager): Promise<Date> {
    const rows: { horizon: Date }[] = await manager.query(
      `SELECT LEAST(clock_timestamp(), (
         SELECT min(activity.xact_start) FROM pg_locks held JOIN pg_stat_activity activity ON activity.pid = held.pid
          WHERE held.locktype = 'relation' AND held.relation = to_regclass($1)
            AND held.mode = 'RowExclusiveLock' AND held.granted
       )) - interval '1 second' AS horizon`,
      [`${this.schema}.dnc_entries`],
    );
    return rows[0].horizon;
  }

  /** How many entries the list holds (expired ones included: the exact read decides those). */
  async count(manager: EntityManager = this.entries.manager): Promise<number> {
    const rows: { count: string }[] = await manager.query(
      `SELECT count(*) AS count FROM ${this.schema}.dnc_entries`,
    );
    return Number(rows[0].count);
  }

  /** Up to `limit` hashes of the list after `after`, in order (keyset pages over the primary key). */
  async hashesAfter(
    after: string,
    limit: number,
    manager: EntityManager = this.entries.manager,
  ): Promise<string[]> {
    const rows: { phone_hash: string }[] = await manager.query(
      `SELECT phone_hash FROM ${this.schema}.dnc_entries WHERE phone_hash > $1 ORDER BY phone_hash LIMIT $2`,
      [after, limit],
    );
    return rows.map((row) => row.phone_hash);
  }

  /** The hashes of the entries added at or after `since` (indexed on `added_at`). */
  async hashesAddedSince(since: Date): Promise<string[]> {
    const rows: { phone_hash: string }[] = await this.entries.query(
      `SELECT phone_hash FROM ${this.schema}.dnc_entries WHERE added_at >= $1`,
      [since],
    );
    return rows.map((row) => row.phone_hash);
  }
}
