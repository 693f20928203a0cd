import { OutboxWakeup, type WakeableRelay } from './outbox-wakeup';

/** Nothing listens on port 1 of the loopback: every connection is refused at once. */
const UNREACHABLE = 'postgres://platform:platform@127.0.0.1:1/platform';

const logger = () => ({ log: jest.fn(), warn: jest.fn() });

/** Resolves once `check` holds (polled every 5 ms, at most 3 s). */
async function until(check: () => boolean): Promise<void> {
  for (let waited = 0; !check(); waited += 5) {
    if (waited > 3000) throw new Error('condition not met within 3 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('OutboxWakeup', () => {
  it('should wake a leading relay of its own instance in process, opening no connection', async () => {
    const relay: WakeableRelay = { isLeader: true, notify: jest.fn() };
    const log = logger();
    const wakeup = new OutboxWakeup({ connectionString: UNREACHABLE, schema: 'bid', relay, logger: log });

    await wakeup.onCommit();
    wakeup.signal();

    expect(relay.notify).toHaveBeenCalledTimes(2);
    // A NOTIFY would have tried the unreachable database and warned.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(log.warn).not.toHaveBeenCalled();
    await wakeup.close();
  });

  it('should never reject a commit, and warn once per outage when the NOTIFY cannot be sent', async () => {
    const relay: WakeableRelay = { isLeader: false, notify: jest.fn() };
    const log = logger();
    const wakeup = new OutboxWakeup({
      connectionString: UNREACHABLE,
      schema: 'bid',
      relay,
      logger: log,
      minIntervalMs: 1,
    });

    await expect(wakeup.onCommit()).resolves.toBeUndefined();
    await until(() => log.warn.mock.calls.length === 1);
    wakeup.signal();
    wakeup.signal();
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(relay.notify).not.toHaveBeenCalled();
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.warn.mock.calls[0][0]).toMatchObject({ schema: 'bid' });
    await wakeup.close();
  });

  it('should send nothing once closed unless its own relay leads', async () => {
    const relay = { isLeader: false, notify: jest.fn() };
    const log = logger();
    const wakeup = new OutboxWakeup({ connectionString: UNREACHABLE, schema: 'bid', relay, logger: log });
    await wakeup.close();

    wakeup.signal();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(log.warn).not.toHaveBeenCalled();

    relay.isLeader = true;
    wakeup.signal();
    expect(relay.notify).toHaveBeenCalledTimes(1);
  });
});
