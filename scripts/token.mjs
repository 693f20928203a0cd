#!/usr/bin/env node
// npm run token -- --scope bid:read [--scope bid:write] [--sub alice] [--ttl 1h]
// Prints a bearer token signed with the dev secret that `npm start` configures (scripts/dev-auth.env;
// AUTH_JWT_SECRET / AUTH_ISSUER / AUTH_AUDIENCE in the environment win), for curl against the services:
//   curl -H "Authorization: Bearer $(npm run -s token -- --scope bid:read)" http://127.0.0.1:3101/bids
import { SignJWT } from 'jose';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const usage =
  'usage: npm run token -- --scope <service>:<read|write|admin> [--scope ...] [--sub <subject>] [--ttl 1h]';

function fail(message) {
  process.stderr.write(`token: ${message}\n${usage}\n`);
  process.exit(64);
}

/** `30s`, `15m`, `1h`, `2d` (or plain seconds) in seconds. */
function seconds(ttl) {
  const match = /^(\d+)([smhd]?)$/.exec(ttl);
  if (!match) fail(`--ttl ${ttl}: expected a number with s, m, h or d`);
  return Number(match[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2]];
}

let args;
try {
  args = parseArgs({
    options: {
      scope: { type: 'string', multiple: true },
      sub: { type: 'string', default: 'dev' },
      ttl: { type: 'string', default: '1h' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
} catch (error) {
  fail(error.message);
}
if (args.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const scopes = (args.scope ?? []).flatMap((scope) => scope.split(/[\s,]+/)).filter(Boolean);
if (scopes.length === 0) fail('give at least one --scope, e.g. --scope bid:read');

const devEnv = Object.fromEntries(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'dev-auth.env'), 'utf8')
    .split('\n')
    .map((line) => /^([A-Z_]+)=(.*)$/.exec(line.trim()))
    .filter(Boolean)
    .map((match) => [match[1], match[2]]),
);
const setting = (name) => process.env[name] || devEnv[name];
const secret = setting('AUTH_JWT_SECRET');
if (!secret) fail('AUTH_JWT_SECRET is not set and scripts/dev-auth.env has none');

const now = Math.floor(Date.now() / 1000);
const token = await new SignJWT({ scope: scopes.join(' ') })
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
  .setIssuer(setting('AUTH_ISSUER'))
  .setAudience(setting('AUTH_AUDIENCE').split(',')[0].trim())
  .setSubject(args.sub)
  .setIssuedAt(now)
  .setExpirationTime(now + seconds(args.ttl))
  .sign(new TextEncoder().encode(secret));
process.stdout.write(`${token}\n`);
