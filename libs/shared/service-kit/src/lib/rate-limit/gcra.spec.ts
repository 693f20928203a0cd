import { emissionIntervalMs, gcraStep, LocalGcra } from './gcra';

const RULE = { points: 5, perSeconds: 10 };
const T0 = 1_000_000;

describe('gcraStep()', () => {
  it('should allow `points` requests at once, then refuse the next with the time one point takes to return', () => {
    let tat: number | undefined;
    const remaining: number[] = [];
    for (let i = 0; i < RULE.points; i++) {
      const step = gcraStep(tat, T0, RULE);
      expect(step.decision.allowed).toBe(true);
      remaining.push(step.decision.remaining);
      tat = step.tat;
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0]);
    const refused = gcraStep(tat, T0, RULE);
    expect(refused.decision).toMatchObject({
      allowed: false,
      remaining: 0,
      retryAfterMs: 2000,
      resetMs: 10_000,
    });
    expect(refused.tat).toBe(tat); // a refusal costs nothing
  });

  it('should give one point back per emission interval', () => {
    let tat: number | undefined;
    for (let i = 0; i < RULE.points; i++) tat = gcraStep(tat, T0, RULE).tat;
    const interval = emissionIntervalMs(RULE);
    expect(interval).toBe(2000);
    expect(gcraStep(tat, T0 + interval - 1, RULE).decision.allowed).toBe(false);
    const back = gcraStep(tat, T0 + interval, RULE);
    expect(back.decision).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('should restore the whole budget after a full window of silence, not more', () => {
    let tat: number | undefined;
    for (let i = 0; i < RULE.points; i++) tat = gcraStep(tat, T0, RULE).tat;
    const later = gcraStep(tat, T0 + 60_000, RULE);
    expect(later.decision).toMatchObject({ allowed: true, remaining: RULE.points - 1, resetMs: 2000 });
  });

  it('should hold a steady rate of exactly points per window after the burst', () => {
    let tat: number | undefined;
    let allowed = 0;
    for (let ms = 0; ms < 100_000; ms += 100) {
      const step = gcraStep(tat, T0 + ms, RULE);
      tat = step.tat;
      if (step.decision.allowed) allowed++;
    }
    // Burst of 5, then one per 2 s over the remaining ~100 s.
    expect(allowed).toBe(RULE.points + 50 - 1);
  });
});

describe('LocalGcra', () => {
  describe('consume()', () => {
    it('should keep each key in its own budget', () => {
      const local = new LocalGcra();
      for (let i = 0; i < RULE.points; i++) expect(local.consume('a', RULE, T0).allowed).toBe(true);
      expect(local.consume('a', RULE, T0).allowed).toBe(false);
      expect(local.consume('b', RULE, T0).allowed).toBe(true);
    });

    it('should stay within maxClients, dropping the least recently used keys', () => {
      const local = new LocalGcra(3);
      for (let i = 0; i < 10; i++) local.consume(`k${i}`, RULE, T0);
      expect(local.size).toBe(3);
    });
  });
});
