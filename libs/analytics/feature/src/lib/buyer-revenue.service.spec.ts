import { periodWindow } from './buyer-revenue.service';

describe('periodWindow()', () => {
  it('should turn a month into its UTC window', () => {
    expect(periodWindow('2024-02')).toEqual({
      from: new Date('2024-02-01T00:00:00Z'),
      to: new Date('2024-03-01T00:00:00Z'),
    });
    expect(periodWindow('2024-12')?.to).toEqual(new Date('2025-01-01T00:00:00Z'));
  });

  it('should turn a day into its UTC window, leap days included', () => {
    expect(periodWindow('2024-02-29')).toEqual({
      from: new Date('2024-02-29T00:00:00Z'),
      to: new Date('2024-03-01T00:00:00Z'),
    });
  });

  it('should refuse what is not a real month or day', () => {
    for (const period of ['2023-02-29', '2025-02-30', '2025-13', '2025-00', '2025', '25-01', '2025-1', 'x']) {
      expect(periodWindow(period)).toBeUndefined();
    }
  });
});
