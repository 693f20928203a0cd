/** `HH:MM` → minutes after midnight (`24:00` → 1440). */
export const minutesOf = (clock: string): number => {
  const [hours, minutes] = clock.split(':').map(Number);
  return hours * 60 + minutes;
};

/** Minutes after midnight → `HH:MM` (1440 → `24:00`). */
export const clockOf = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** Whether `minute` of the local day falls in `[start, end)`; an end before the start wraps past midnight. */
export const withinHours = (minute: number, start: number, end: number): boolean =>
  start < end ? minute >= start && minute < end : minute >= start || minute < end;

const formatters = new Map<string, Intl.DateTimeFormat>();
const minuteOfDay = new Map<string, number>();

/**
 * The minute of the local day in `timeZone` at `epochMs`. Memoised per zone and minute: a decision checks
 * every candidate's hours, and candidates share a handful of zones, so the `Intl` call runs once per zone
 * per minute instead of once per candidate.
 */
export function localMinute(timeZone: string, epochMs: number): number {
  const minute = Math.floor(epochMs / 60_000);
  const memoKey = `${timeZone}|${minute}`;
  const known = minuteOfDay.get(memoKey);
  if (known !== undefined) return known;
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  let hour = 0;
  let min = 0;
  for (const part of format.formatToParts(new Date(minute * 60_000))) {
    if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') min = Number(part.value);
  }
  if (minuteOfDay.size > 10_000) minuteOfDay.clear();
  const local = hour * 60 + min;
  minuteOfDay.set(memoKey, local);
  return local;
}
