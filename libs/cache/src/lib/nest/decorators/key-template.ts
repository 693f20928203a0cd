import { CacheDecoratorError } from './cache-decorator.error';
import type { ParameterName } from './parameter-names';

/**
 * Key templates: literal text with `{path}` placeholders, e.g. `'bid:{id}'` or
 * `'bids:buyer:{buyer.id}:active'`. A path starts with a parameter name (or a property of a destructured
 * parameter, or `result` where the method's return value is available) and may continue with `.property`
 * or `.0` steps. Templates are compiled once at startup; an unknown name is an error then, not a wrong key
 * at run time.
 */

/** Why a rendered key could not be produced for one call. */
export interface Unrenderable {
  readonly placeholder: string;
  readonly reason: string;
}

/** The outcome of rendering a compiled template for one call: the key, or why there is none. */
export type RenderResult = { readonly key: string } | { readonly skip: Unrenderable };

/** A compiled template. */
export interface CompiledTemplate {
  /** The template as written. */
  readonly source: string;
  /** Text before the first placeholder (used to pick the namespace). */
  readonly literalPrefix: string;
  /** Whether a placeholder reads `result` (only possible after the method ran). */
  readonly usesResult: boolean;
  /** Renders the key for one call; `result` is the method's value where available. */
  render(args: readonly unknown[], result?: unknown): RenderResult;
}

/** What a template may read. */
export interface TemplateScope {
  /** The method's parameters, from its source or an explicit `params` list. */
  readonly params: readonly ParameterName[];
  /** Whether `{result…}` is allowed (after the method ran). */
  readonly allowResult: boolean;
  /** `Class.method`, for error messages. */
  readonly where: string;
}

type Part = string | Placeholder;

interface Placeholder {
  readonly text: string;
  readonly read: (args: readonly unknown[], result: unknown) => unknown;
}

const PLACEHOLDER = /\{([^{}]*)\}/g;
const STEP = /^(?:[A-Za-z_$][\w$]*|\d+)$/;

/** Compiles `template` against `scope`; throws {@link CacheDecoratorError} naming the problem. */
export function compileTemplate(template: string, scope: TemplateScope): CompiledTemplate {
  if (typeof template !== 'string' || template.length === 0) {
    throw new CacheDecoratorError(`${scope.where}: a key template must be a non-empty string`);
  }
  const parts: Part[] = [];
  let last = 0;
  let usesResult = false;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const index = match.index ?? 0;
    if (index > last) parts.push(literal(template.slice(last, index), template, scope));
    const placeholder = compilePlaceholder(match[1].trim(), template, scope);
    usesResult ||= placeholder.usesResult;
    parts.push(placeholder.part);
    last = index + match[0].length;
  }
  if (last < template.length) parts.push(literal(template.slice(last), template, scope));
  const first = template.indexOf('{');
  const literalPrefix = first === -1 ? template : template.slice(0, first);

  return {
    source: template,
    literalPrefix,
    usesResult,
    render(args, result) {
      let key = '';
      for (const part of parts) {
        if (typeof part === 'string') {
          key += part;
          continue;
        }
        const value = part.read(args, result);
        const text = keyText(value);
        if (text === undefined) {
          return { skip: { placeholder: part.text, reason: describeValue(value) } };
        }
        key += text;
      }
      return { key };
    },
  };
}

function literal(text: string, template: string, scope: TemplateScope): string {
  if (text.includes('{') || text.includes('}')) {
    throw new CacheDecoratorError(`${scope.where}: unbalanced brace in key template "${template}"`);
  }
  return text;
}

function compilePlaceholder(
  text: string,
  template: string,
  scope: TemplateScope,
): { part: Placeholder; usesResult: boolean } {
  const steps = text.split('.');
  if (text === '' || !steps.every((step) => STEP.test(step))) {
    throw new CacheDecoratorError(
      `${scope.where}: placeholder {${text}} in key template "${template}" is not a name or a dotted path`,
    );
  }
  const [root, ...path] = steps;
  const source = resolveRoot(root, scope);
  if (source === undefined) {
    const known = knownNames(scope);
    throw new CacheDecoratorError(
      `${scope.where}: key template "${template}" uses {${text}}, but "${root}" is not a parameter of the ` +
        `method (parameters: ${known.length > 0 ? known.join(', ') : 'none found'}). ` +
        `Use a parameter name, or pass \`params\` to name the parameters explicitly.`,
    );
  }
  const read = (args: readonly unknown[], result: unknown) => {
    let value = source(args, result);
    for (const step of path) {
      if (value === null || value === undefined) return undefined;
      value = (value as Record<string, unknown>)[step];
    }
    return value;
  };
  return { part: { text: `{${text}}`, read }, usesResult: root === 'result' && source === readResult };
}

const readResult = (_args: readonly unknown[], result: unknown) => result;

function resolveRoot(
  root: string,
  scope: TemplateScope,
): ((args: readonly unknown[], result: unknown) => unknown) | undefined {
  for (const param of scope.params) {
    if (param.kind === 'name' && param.name === root) return (args) => args[param.index];
  }
  for (const param of scope.params) {
    if (param.kind === 'pattern' && param.properties.includes(root)) {
      return (args) => {
        const arg = args[param.index];
        return arg === null || arg === undefined ? undefined : (arg as Record<string, unknown>)[root];
      };
    }
  }
  if (root === 'result' && scope.allowResult) return readResult;
  return undefined;
}

function knownNames(scope: TemplateScope): string[] {
  const names = scope.params.flatMap((param) =>
    param.kind === 'name' ? [param.name] : param.kind === 'pattern' ? [...param.properties] : [],
  );
  return scope.allowResult ? [...names, 'result (the return value)'] : names;
}

/** The text a placeholder value contributes to a key, or `undefined` when the value cannot be a key part. */
function keyText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value.length > 0 ? value : undefined;
    case 'number':
      return Number.isFinite(value) ? String(value) : undefined;
    case 'bigint':
      return String(value);
    case 'boolean':
      return String(value);
    default:
      return undefined;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === '') return 'an empty string';
  if (typeof value === 'number') return String(value);
  return typeof value === 'object' ? 'an object' : String(value);
}
