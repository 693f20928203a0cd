/** Which lines of a service's log the fault suite quotes in its notes. */

/**
 * A pino line at level error (the services log the level as a label, `"level":"error"`; pino's default is
 * `"level":50`) about a request that failed: the exception filter's `Unhandled error` (the cause, with its
 * stack) or the request line of a 5xx other than a designed 503 (pino-http logs every 5xx at error, and the
 * load counts designed 503s by the thousand during a Postgres outage). Other error lines (kafkajs retries,
 * health checks while starting) are not a request's failure and would crowd those out.
 */
export const isFailedRequestLogLine = (line: string): boolean =>
  /"level":("error"|50)[,}]/.test(line) &&
  (line.includes('"msg":"Unhandled error"') || /"statusCode":5(?!03)\d\d[,}]/.test(line));
