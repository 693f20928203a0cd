import { isRfc3339 } from './validators';

describe('isRfc3339()', () => {
  it.each([
    '2026-01-31T17:00:00Z',
    '2026-01-31T17:00:00.123+02:00',
    '2024-02-29T00:00:00-05:30',
    '2026-12-31T23:59:59z',
  ])('should accept %s', (value) => expect(isRfc3339(value)).toBe(true));

  it.each([
    ['a day that does not exist', '2026-02-30T00:00:00Z'],
    ['a leap day in a common year', '2026-02-29T00:00:00Z'],
    ['hour 24', '2026-01-01T24:00:00Z'],
    ['no offset (would depend on the server time zone)', '2026-01-01T10:00:00'],
    ['a date without time', '2026-01-01'],
    ['an ISO week date', '2026-W05'],
    ['a basic-format date', '20260101'],
    ['a negative year', '-2026-01-01T00:00:00Z'],
    ['a comma fraction', '2026-01-01T10:00:00,5Z'],
    ['not a string', 1767261600000],
  ])('should reject %s', (_, value) => expect(isRfc3339(value)).toBe(false));
});
