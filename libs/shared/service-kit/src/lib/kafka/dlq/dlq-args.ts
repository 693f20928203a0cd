import type { DlqFilter } from './dlq-record';

/** A command line the tool cannot run; `argument` names the part at fault. Exit code 2. */
export class UsageError extends Error {
  /** Stable code for scripts. */
  readonly code = 'DLQ.USAGE';

  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(`${argument}: ${message}`);
    this.name = 'UsageError';
  }
}

/** A parsed `npm run dlq -- …` command line. */
export type DlqCommand =
  | { readonly command: 'help' }
  | {
      readonly command: 'list';
      readonly topic: string;
      readonly filter: DlqFilter;
      /** Records to show. */
      readonly limit: number;
      readonly json: boolean;
    }
  | {
      readonly command: 'replay';
      readonly topic: string;
      readonly filter: DlqFilter;
      /** Records to send back at most; undefined: all that match. */
      readonly limit?: number;
      readonly dryRun: boolean;
      readonly json: boolean;
    };

/** The help text. */
export const DLQ_USAGE = `Usage: npm run dlq -- <command> --topic <topic> [options]

Commands:
  list     what the dead-letter topic holds: counts by error code and consumer group, oldest and newest
           failure, the oldest records; consumes nothing on behalf of a service
  replay   send the matching records not replayed yet back to their original topic (original key and value)

Options:
  --topic <topic>        the dead-letter topic, or the original topic (".dlq" is added)        (required)
  --error-code <code>    only records with this dlq-error-code (repeatable)
  --group <group>        only records dead-lettered by this consumer group (repeatable)
  --event-id <id> [...]  only these events (by eventId; several ids may follow, or repeat the option)
  --limit <n>            list: records to show (default 20); replay: send back at most n
  --dry-run              replay: show what would be sent back, send nothing
  --json                 print the result as JSON
  --help                 this text

Kafka settings come from the services' variables: KAFKA_BROKERS, KAFKA_SASL_*, KAFKA_TLS*.
Exit codes: 0 done, 1 failed, 2 bad arguments or unknown topic.`;

/** Kafka's rule for topic names. */
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

const VALUE_OPTIONS = ['--topic', '--error-code', '--group', '--event-id', '--limit'] as const;
const FLAG_OPTIONS = ['--dry-run', '--json', '--help'] as const;

/** Parses the arguments after `npm run dlq --`; throws {@link UsageError} naming the argument at fault. */
export function parseDlqArgs(argv: readonly string[]): DlqCommand {
  if (argv.length === 0 || argv.includes('--help') || argv[0] === 'help') return { command: 'help' };
  const [command, ...rest] = argv;
  if (command !== 'list' && command !== 'replay') {
    throw new UsageError('<command>', `must be list or replay, got "${command}"`);
  }
  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if ((FLAG_OPTIONS as readonly string[]).includes(arg)) {
      flags.add(arg);
      continue;
    }
    if (!(VALUE_OPTIONS as readonly string[]).includes(arg)) {
      throw new UsageError(arg, arg.startsWith('-') ? 'unknown option' : 'unexpected argument');
    }
    const taken: string[] = [];
    // --event-id takes every value up to the next option; the others take exactly one.
    while (i + 1 < rest.length && !rest[i + 1].startsWith('--')) {
      taken.push(rest[++i]);
      if (arg !== '--event-id') break;
    }
    if (taken.length === 0 || taken.some((value) => value.trim() === '')) {
      throw new UsageError(arg, 'needs a value');
    }
    values.set(arg, [...(values.get(arg) ?? []), ...taken]);
  }
  const single = (name: string): string | undefined => {
    const given = values.get(name);
    if (given && given.length > 1) throw new UsageError(name, 'may be given once');
    return given?.[0];
  };
  const topic = single('--topic');
  if (topic === undefined) throw new UsageError('--topic', 'is required');
  if (!TOPIC_NAME.test(topic)) {
    throw new UsageError('--topic', `"${topic}" is not a Kafka topic name (letters, digits, . _ -)`);
  }
  const limitText = single('--limit');
  let limit: number | undefined;
  if (limitText !== undefined) {
    limit = Number(limitText);
    const least = command === 'list' ? 0 : 1;
    if (!/^\d+$/.test(limitText) || !Number.isSafeInteger(limit) || limit < least) {
      throw new UsageError('--limit', `must be a whole number >= ${least}, got "${limitText}"`);
    }
  }
  const filter: DlqFilter = {
    errorCodes: values.get('--error-code'),
    groups: values.get('--group'),
    eventIds: values.get('--event-id'),
  };
  const json = flags.has('--json');
  if (command === 'list') {
    if (flags.has('--dry-run')) throw new UsageError('--dry-run', 'only applies to replay');
    return { command, topic, filter, limit: limit ?? 20, json };
  }
  return { command, topic, filter, limit, dryRun: flags.has('--dry-run'), json };
}
