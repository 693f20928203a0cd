import { Injectable, Logger } from '@nestjs/common';
import { DncSyncRepository } from '@platform/compliance-data-access';
import { createEnvelope, Topic } from '@platform/contracts';
import { OutboxService } from '@platform/database';
import { basename } from 'node:path';
import { toDncListSnapshot } from '../compliance.mapper';
import { PhoneHasher } from '../phone-hash';
import { identifyDncFile, parseDncRow, readDncLines } from './dnc-file';
import { DncMembership } from './dnc-membership.service';

/** Options of {@link DncImporter.import}. */
export interface DncImportOptions {
  /** The DNC file (see `DNC_FILE_HEADER` for the format). */
  path: string;
  /** Lines per transaction (default 5000). */
  batchSize?: number;
  /** `source` of the entries the file adds (default `dnc-sync`). */
  source?: string;
  /** Stop (checkpoint committed, list not published) once this many batches ran in this call. */
  stopAfterBatches?: number;
  /** Stop after the batch in progress when aborted (e.g. on SIGINT); the next run resumes. */
  signal?: AbortSignal;
  /** Called after every committed batch. */
  onProgress?: (progress: DncImportProgress) => void;
}

/** Where an import stands after a batch. */
export interface DncImportProgress {
  bytes: number;
  totalBytes: number;
  lines: number;
  added: number;
  removed: number;
  rejected: number;
}

/** How an import call ended. */
export interface DncImportResult extends DncImportProgress {
  /**
   * `imported`: the file is applied and its generation published; `interrupted`: stopped at a checkpoint,
   * run again to resume; `already-imported`: the same content was imported before, nothing changed.
   */
  status: 'imported' | 'interrupted' | 'already-imported';
  fileId: string;
  /** Where this call started in the file (> 0 when it resumed a checkpoint). */
  resumedFromByte: number;
  /** Batches committed by this call. */
  batches: number;
  /** The list generation the import published (`imported`, `already-imported`). */
  generation: number | null;
}

/** DNC entries carry no version of their own; the list's event carries its generation. */
const LIST_ENTITY_ID = 'dnc-list';

/**
 * Background DNC sync: imports a DNC file of any size into `dnc_entries`, streamed in batches (one short
 * transaction each: the batch's net adds `INSERT … ON CONFLICT DO NOTHING`, its removals `DELETE`, and the
 * file's checkpoint moved to the batch's end), so checks keep reading the list (row locks only), an
 * interrupted import resumes after its last batch, and re-running a finished file changes nothing.
 * Numbers are normalised to E.164 and HMAC'd before they leave this class; a bad row is counted, never
 * echoed. When the last batch commits, the import publishes one new list generation: the membership
 * filter is rebuilt and stored in Redis, and one `compliance.rules.changed.v1` (`dncGeneration`) makes
 * every instance drop its cached DNC answers and switch filters.
 */
@Injectable()
export class DncImporter {
  private readonly logger = new Logger(DncImporter.name);

  constructor(
    private readonly sync: DncSyncRepository,
    private readonly membership: DncMembership,
    private readonly outbox: OutboxService,
    private readonly phones: PhoneHasher,
  ) {}

  /** Imports (or resumes, or recognises as done) the file. */
  async import(options: DncImportOptions): Promise<DncImportResult> {
    const batchSize = options.batchSize ?? 5000;
    const source = options.source ?? 'dnc-sync';
    const { fileId, fileBytes } = await identifyDncFile(options.path);
    const checkpoint = await this.sync.startImport({ fileId, fileName: basename(options.path), fileBytes });
    const progress: DncImportProgress = {
      bytes: checkpoint.byteOffset,
      totalBytes: fileBytes,
      lines: checkpoint.lineOffset,
      added: checkpoint.added,
      removed: checkpoint.removed,
      rejected: checkpoint.rejected,
    };
    const result = (status: DncImportResult['status'], batches: number, generation: number | null) => ({
      ...progress,
      status,
      fileId,
      resumedFromByte: checkpoint.byteOffset,
      batches,
      generation,
    });
    if (checkpoint.status === 'done') return result('already-imported', 0, checkpoint.generation);

    let batches = 0;
    const lines = readDncLines(options.path, {
      start: { byte: checkpoint.byteOffset, line: checkpoint.lineOffset },
      batchSize,
    });
    for await (const batch of lines) {
      // The batch's net effect, in file order: the last action on a number wins.
      const net = new Map<string, 'add' | 'remove'>();
      let rejected = 0;
      for (const line of batch.lines) {
        const row = parseDncRow(line);
        if (row === undefined) continue;
        if (row === 'invalid') rejected++;
        else net.set(this.phones.hash(row.e164), row.action);
      }
      const adds: string[] = [];
      const removes: string[] = [];
      for (const [hash, action] of net) (action === 'add' ? adds : removes).push(hash);
      const applied = await this.sync.applyBatch({
        fileId,
        fromByte: progress.bytes,
        toByte: batch.endByte,
        toLine: batch.endLine,
        adds,
        removes,
        rejected,
        source,
      });
      batches++;
      progress.bytes = batch.endByte;
      progress.lines = batch.endLine;
      progress.added += applied.added;
      progress.removed += applied.removed;
      progress.rejected += rejected;
      options.onProgress?.({ ...progress });
      const stop =
        options.signal?.aborted === true ||
        (options.stopAfterBatches !== undefined && batches >= options.stopAfterBatches);
      if (stop && progress.bytes < fileBytes) {
        await lines.return(undefined);
        this.logger.log({ fileId, lines: progress.lines }, 'DNC import interrupted at a checkpoint');
        return result('interrupted', batches, null);
      }
    }
    const generation = await this.publish(fileId);
    this.logger.log({ fileId, generation, ...progress }, 'DNC import published');
    return result('imported', batches, generation);
  }

  /**
   * Publishes the list as it now is as the next generation, in one transaction: the filter is built
   * and stored in Redis before the generation's event is queued, so an instance that hears of the new
   * generation finds its filter.
   */
  private publish(fileId: string): Promise<number> {
    return this.sync.publishGeneration({ fileId }, async (manager, generation) => {
      const built = await this.membership.build(manager);
      await this.membership.store(generation, built);
      await this.outbox.add(
        manager,
        Topic.ComplianceRulesChanged,
        createEnvelope({
          entity: 'compliance-rule' as const,
          entityId: LIST_ENTITY_ID,
          op: 'updated',
          version: generation,
          before: toDncListSnapshot(generation - 1),
          after: toDncListSnapshot(generation),
        }),
      );
    });
  }
}
