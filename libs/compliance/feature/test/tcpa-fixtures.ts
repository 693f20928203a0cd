/** TCPA rules and a state rule the check suites publish, so each check's answer is known in advance. */

/** Quiet hours covering every hour: every check under this version carries `TCPA_QUIET_HOURS`. */
export const ALWAYS_QUIET = { quietHours: [0, 24] };
/** Quiet hours covering no hour: no check under this version is refused for the hour. */
export const NEVER_QUIET = { quietHours: [0, 0] };
/** A state rule (Chicago time) whose calling hours are the whole day. */
export const OPEN_ALL_DAY = {
  callingHoursStart: 0,
  callingHoursEnd: 24,
  timezone: 'America/Chicago',
  maxAttemptsPerDay: 3,
  requiresConsent: false,
};
