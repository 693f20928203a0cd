/**
 * Reads a method's parameter names from its source text, so key templates such as `'bid:{id}'` can name
 * arguments. Works on what TypeScript, SWC and esbuild emit (no minification): plain names, default values,
 * rest parameters and object destructuring (whose shorthand or renamed properties become names).
 */

/** One parameter of a method, as far as key templates care. */
export type ParameterName =
  /** `id`, `id = 1`, `...ids`: the argument itself. */
  | { readonly kind: 'name'; readonly name: string; readonly index: number }
  /** `{ buyerId, call: c }`: each property of the argument, by its property name. */
  | { readonly kind: 'pattern'; readonly properties: readonly string[]; readonly index: number }
  /** `[a, b]` or anything else that has no usable name. */
  | { readonly kind: 'unnamed'; readonly index: number };

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Parameter names of `fn` read from `fn.toString()`. Returns `undefined` when the source cannot be read
 * (native or bound functions); templates then need an explicit `params` list.
 */
export function parameterNames(fn: (...args: never[]) => unknown): ParameterName[] | undefined {
  const source = Function.prototype.toString.call(fn);
  if (source.includes('[native code]')) return undefined;
  const list = parameterList(source);
  if (list === undefined) return undefined;
  return splitTopLevel(list)
    .map((raw, index) => describe(stripComments(raw).trim(), index))
    .filter((param): param is ParameterName => param !== undefined);
}

/** The text between the parentheses of the parameter list, or the single arrow parameter. */
function parameterList(source: string): string | undefined {
  const open = source.indexOf('(');
  const arrow = source.indexOf('=>');
  if (arrow !== -1 && (open === -1 || arrow < open)) {
    // `x => …` or `async x => …`
    return source.slice(0, arrow).replace(/^async\s+/, '');
  }
  if (open === -1) return undefined;
  const close = matchingParen(source, open);
  return close === undefined ? undefined : source.slice(open + 1, close);
}

/** Index of the `)` closing the `(` at `open`, skipping strings, template literals, comments and nesting. */
function matchingParen(source: string, open: number): number | undefined {
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    const c = source[i];
    if (c === '"' || c === "'" || c === '`') {
      i = skipString(source, i);
    } else if (c === '/' && source[i + 1] === '/') {
      i = source.indexOf('\n', i);
      if (i === -1) return undefined;
    } else if (c === '/' && source[i + 1] === '*') {
      i = source.indexOf('*/', i + 2) + 1;
      if (i === 0) return undefined;
    } else if (c === '(' || c === '[' || c === '{') {
      depth++;
    } else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return c === ')' ? i : undefined;
    }
  }
  return undefined;
}

/** Index of the quote that closes the string starting at `start`. */
function skipString(source: string, start: number): number {
  const quote = source[start];
  for (let i = start + 1; i < source.length; i++) {
    if (source[i] === '\\') i++;
    else if (source[i] === quote) return i;
  }
  return source.length;
}

/** Splits on commas that are not nested in brackets, strings or comments. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') i = skipString(text, i);
    else if (c === '/' && text[i + 1] === '*') i = Math.max(i, text.indexOf('*/', i + 2) + 1);
    else if (c === '/' && text[i + 1] === '/')
      i = text.indexOf('\n', i) === -1 ? text.length : text.indexOf('\n', i);
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  const last = text.slice(start);
  if (last.trim() !== '') parts.push(last);
  return parts;
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}

function describe(param: string, index: number): ParameterName | undefined {
  if (param === '') return undefined;
  const withoutRest = param.startsWith('...') ? param.slice(3).trim() : param;
  if (withoutRest.startsWith('{')) {
    const close = matchingBrace(withoutRest);
    return {
      kind: 'pattern',
      properties: patternProperties(withoutRest.slice(1, close)),
      index,
    };
  }
  const name = withoutRest.split('=')[0].trim();
  return IDENTIFIER.test(name) ? { kind: 'name', name, index } : { kind: 'unnamed', index };
}

function matchingBrace(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') i = skipString(text, i);
    else if (c === '{' || c === '[' || c === '(') depth++;
    else if (c === '}' || c === ']' || c === ')') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return text.length;
}

/** Property names of an object pattern's top level: `a`, `b: alias`, `c = 1`, `d: { nested }`. */
function patternProperties(body: string): string[] {
  return splitTopLevel(body)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && !entry.startsWith('...'))
    .map((entry) => {
      const key = entry.split(/[:=]/)[0].trim();
      return key.replace(/^["']|["']$/g, '');
    })
    .filter((key) => IDENTIFIER.test(key));
}
