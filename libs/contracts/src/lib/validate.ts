import { z } from 'zod';

/** A consumed message that does not match its contract. Carries the field paths at fault. */
export class ContractViolationError extends Error {
  /** Stable code for logs and the dead-letter topic. */
  readonly code = 'CONTRACT.VIOLATION';

  constructor(
    readonly topic: string,
    readonly fields: { path: string; message: string }[],
  ) {
    super(
      `Message on ${topic} violates its contract: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`,
    );
    this.name = 'ContractViolationError';
  }
}

/** Validates a consumed value against its schema; throws {@link ContractViolationError} naming the fields. */
export function parseEvent<S extends z.ZodType>(topic: string, schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ContractViolationError(
    topic,
    result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || '(root)',
      message: issue.message,
    })),
  );
}
