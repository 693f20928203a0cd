/** Which lines of a service's log the fault suite quotes in its notes. */

/**
 * A pino line at level error (the services log the level as a label, `"level":"error"`; pino's default is
 * `"level":50`) that is not the request line of a designed 503: pino-http logs every 5xx at error, and the
 * load counts designed 503s by the thousand during a Postgres outage. What remains is a failed request's
 * cause with its stack (the exception filter's `Unhandled error`) and its request line.
 */
export const isErrorLogLine = (line: string): boolean =>
  /"level":("error"|50)[,}]/.test(line) && !/"statusCode":503[,}]/.test(line);
