import { InvalidOptionError } from '../core/errors';
import type { HttpCacheRequest } from './http-cache-options';
import { splitUrl } from './request-key';

/** A compiled `@CacheRoute` key or tag template. */
export interface RouteTemplate {
  /** The template as written. */
  readonly source: string;
  /**
   * The rendered text for a request, or `undefined` when a placeholder has no value (the response is then
   * not cached: a key or tag that cannot be built cannot be invalidated either).
   */
  render(request: HttpCacheRequest): string | undefined;
}

const PLACEHOLDER = /\{([^{}]*)\}/g;
const NAME = /^[A-Za-z_$][\w$-]*$/;

/**
 * Compiles a template such as `'bid:{id}'`: each `{name}` reads the route parameter `name`, else the first
 * query parameter `name`. Throws {@link InvalidOptionError} naming `where` for a malformed template.
 */
export function compileRouteTemplate(template: unknown, where: string): RouteTemplate {
  if (typeof template !== 'string' || template.trim() === '') {
    throw new InvalidOptionError(`${where}: expected a non-empty string template, got ${String(template)}`);
  }
  const parts: (string | { name: string })[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const index = match.index ?? 0;
    if (index > last) parts.push(literal(template.slice(last, index), template, where));
    const name = match[1].trim();
    if (!NAME.test(name)) {
      throw new InvalidOptionError(
        `${where}: placeholder {${match[1]}} in "${template}" is not a parameter name`,
      );
    }
    parts.push({ name });
    last = index + match[0].length;
  }
  if (last < template.length) parts.push(literal(template.slice(last), template, where));
  const dynamic = parts.some((part) => typeof part !== 'string');

  return {
    source: template,
    render(request) {
      if (!dynamic) return template;
      let query: URLSearchParams | undefined;
      let out = '';
      for (const part of parts) {
        if (typeof part === 'string') {
          out += part;
          continue;
        }
        let value = request.params?.[part.name];
        if (value === undefined || value === '') {
          query ??= new URLSearchParams(splitUrl(request.originalUrl ?? request.url).query);
          value = query.get(part.name) ?? undefined;
        }
        if (value === undefined || value === '') return undefined;
        out += value;
      }
      return out;
    },
  };
}

function literal(text: string, template: string, where: string): string {
  if (text.includes('{') || text.includes('}')) {
    throw new InvalidOptionError(`${where}: unbalanced brace in template "${template}"`);
  }
  return text;
}
