import { parseDlqArgs, UsageError } from './dlq-args';

const usageError = (argv: string[]): UsageError => {
  try {
    parseDlqArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`parsed: ${argv.join(' ')}`);
};

describe('parseDlqArgs()', () => {
  it('should parse list with its defaults', () => {
    expect(parseDlqArgs(['list', '--topic', 'bid.bid.changed.v1'])).toEqual({
      command: 'list',
      topic: 'bid.bid.changed.v1',
      filter: { errorCodes: undefined, groups: undefined, eventIds: undefined },
      limit: 20,
      json: false,
    });
  });

  it('should parse replay with every filter, several event ids after one option and a repeated one', () => {
    expect(
      parseDlqArgs([
        'replay',
        '--topic',
        'bid.bid.changed.v1.dlq',
        '--error-code',
        'Error',
        '--group',
        'bid',
        '--event-id',
        'a',
        'b',
        '--dry-run',
        '--event-id',
        'c',
        '--limit',
        '5',
        '--json',
      ]),
    ).toEqual({
      command: 'replay',
      topic: 'bid.bid.changed.v1.dlq',
      filter: { errorCodes: ['Error'], groups: ['bid'], eventIds: ['a', 'b', 'c'] },
      limit: 5,
      dryRun: true,
      json: true,
    });
  });

  it('should leave the replay limit unset and dry-run off by default', () => {
    expect(parseDlqArgs(['replay', '--topic', 't'])).toMatchObject({ limit: undefined, dryRun: false });
  });

  it('should answer help for no arguments or --help', () => {
    expect(parseDlqArgs([])).toEqual({ command: 'help' });
    expect(parseDlqArgs(['replay', '--help'])).toEqual({ command: 'help' });
  });

  it.each([
    [['purge', '--topic', 't'], '<command>', /list or replay/],
    [['list'], '--topic', /required/],
    [['list', '--topic'], '--topic', /needs a value/],
    [['list', '--topic', '--json'], '--topic', /needs a value/],
    [['list', '--topic', 'a b'], '--topic', /not a Kafka topic name/],
    [['list', '--topic', 'a', '--topic', 'b'], '--topic', /once/],
    [['replay', '--topic', 't', '--limit', '0'], '--limit', />= 1/],
    [['replay', '--topic', 't', '--limit', '-3'], '--limit', /whole number >= 1/],
    [['replay', '--topic', 't', '--limit', '2.5'], '--limit', /whole number/],
    [['list', '--topic', 't', '--limit', 'ten'], '--limit', /whole number/],
    [['list', '--topic', 't', '--dry-run'], '--dry-run', /only applies to replay/],
    [['replay', '--topic', 't', '--event-id'], '--event-id', /needs a value/],
    [['replay', '--topic', 't', '--force'], '--force', /unknown option/],
    [['replay', '--topic', 't', 'extra'], 'extra', /unexpected argument/],
  ])('should refuse %j naming %s', (argv, argument, message) => {
    const error = usageError(argv);
    expect(error.argument).toBe(argument);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`${argument}: `)).toBe(true);
  });

  it('should accept --limit 0 for list (counts only)', () => {
    expect(parseDlqArgs(['list', '--topic', 't', '--limit', '0'])).toMatchObject({ limit: 0 });
  });
});
