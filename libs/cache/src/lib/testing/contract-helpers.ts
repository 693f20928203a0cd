/// <reference types="jest" />
/** Shared by the driver contract suites. */

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds (fails after `timeoutMs`): asserts an eventual state without timing it. */
export const eventually = async (
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
};

/** A short TTL for expiry tests (the suite waits for expiry by polling, never by timing), and a long one. */
export const SHORT_TTL = 150;
export const LONG_TTL = 60_000;
