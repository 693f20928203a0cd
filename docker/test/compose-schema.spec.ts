import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// Installed (hoisted) but not yet a devDependency of the workspace: ajv@8.18.0 is requested as one; drop this then.
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import { COMPOSE_FILE, DOCKER_DIR, loadCompose } from './support';

const SCHEMA_FILE = join(DOCKER_DIR, 'schema/compose-spec.json');
const README = readFileSync(join(DOCKER_DIR, 'schema/README.md'), 'utf8');

function validator() {
  // strict off: the schema uses annotation keywords Ajv does not know; validation keywords are all standard.
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  return ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);
}

const describeErrors = (errors: ErrorObject[] | null | undefined): string[] =>
  (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);

describe('docker/compose.yaml against the compose-spec schema', () => {
  const validate = validator();

  it('should ship the schema file named in its README, unchanged', () => {
    const sha = createHash('sha256').update(readFileSync(SCHEMA_FILE)).digest('hex');
    expect(README).toContain(sha);
  });

  it('should be valid, with its variables unset (their defaults) and set', () => {
    for (const env of [{}, { COMPLIANCE_PHONE_HASH_PEPPER: 'x'.repeat(40) }]) {
      const valid = validate(loadCompose(env));
      expect(describeErrors(validate.errors)).toEqual([]);
      expect(valid).toBe(true);
    }
  });

  it('should reject what Compose rejects (an unknown service key, an unknown depends_on condition)', () => {
    const source = readFileSync(COMPOSE_FILE, 'utf8');
    const unknownKey = source.replace(/^ {2}redis:\n/m, '  redis:\n    restart_policy: always\n');
    expect(unknownKey).not.toBe(source);
    expect(validate(loadCompose({}, unknownKey))).toBe(false);
    expect(describeErrors(validate.errors).join('\n')).toContain('restart_policy');

    const badCondition = source.replace(
      'postgres: { condition: service_healthy }',
      'postgres: { condition: ready }',
    );
    expect(badCondition).not.toBe(source);
    expect(validate(loadCompose({}, badCondition))).toBe(false);
    expect(describeErrors(validate.errors).join('\n')).toContain('allowedValues');
  });
});
