import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { problemBody } from '../filters/app-exception.filter';

/**
 * Answers a request Node's HTTP parser refused before any route ran (headers over the size limit, a request
 * line that is not HTTP, a request not received in time), in the services' error shape, and closes the
 * connection. `Connection: close` matters: Fastify's own handler left it out, so a keep-alive client (undici,
 * which `fetch` uses) could put the connection back in its pool and send its next request into a socket the
 * server was destroying; a non-idempotent request then failed with no response at all. Installed on both
 * adapters (Node's default for Express answers with no body).
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, field, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'REQUEST.HEADERS_TOO_LARGE', '(headers)', 'are over the server’s size limit']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'REQUEST.TIMEOUT', '(request)', 'was not received in time']
        : [400, 'REQUEST.MALFORMED', '(request)', 'is not a valid HTTP/1.1 request'];
  const body = JSON.stringify(
    problemBody({ status, code, message: `${field} ${message}`, fields: [{ field, message }] }),
  );
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nCache-Control: no-store\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}
