/**
 * A small path language for reading fields out of provider answers and webhook bodies:
 * `sid`, `message_uuid[0]`, `messages[*].message-id`, `result[0].LastError`. Keys are split on
 * dots and brackets only, so the dashes Vonage uses (`message-id`, `error-text`) need no quoting.
 * `[*]` fans out over an array; reading such a path yields every match in order.
 */

/** One step of a parsed path. */
export type PathSegment = { readonly kind: 'key'; readonly key: string } | { readonly kind: 'index'; readonly index: number } | { readonly kind: 'each' };

/** A path that was parsed once and can be read many times. */
export interface JsonPath {
  readonly source: string;
  readonly segments: readonly PathSegment[];
  /** True when the path contains `[*]` and may yield more than one value. */
  readonly fansOut: boolean;
}

/** Thrown by `parseJsonPath` with the reason the text is not a path. */
export class JsonPathError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'JsonPathError';
  }
}

const SEGMENT = /^([^.[\]]+)|^\[(\d+|\*)\]/;

/** Parses `a.b[0].c`, `items[*].id`; throws `JsonPathError` for anything else. */
export function parseJsonPath(source: string): JsonPath {
  const text = source.trim();
  if (text === '') throw new JsonPathError('path is empty');
  const segments: PathSegment[] = [];
  let rest = text;
  let expectKey = true;
  while (rest.length > 0) {
    if (!expectKey && rest.startsWith('.')) {
      rest = rest.slice(1);
      if (rest.length === 0 || rest.startsWith('.') || rest.startsWith('[')) throw new JsonPathError(`expected a key after "." in "${text}"`);
      expectKey = true;
      continue;
    }
    const match = SEGMENT.exec(rest);
    if (!match) throw new JsonPathError(`cannot read "${rest}" in "${text}"`);
    const [whole, key, index] = match;
    if (key !== undefined) {
      if (!expectKey) throw new JsonPathError(`expected "." or "[" before "${key}" in "${text}"`);
      segments.push({ kind: 'key', key });
    } else if (index === '*') {
      segments.push({ kind: 'each' });
    } else {
      segments.push({ kind: 'index', index: Number(index) });
    }
    expectKey = false;
    rest = rest.slice(whole.length);
  }
  return { source: text, segments, fansOut: segments.some((segment) => segment.kind === 'each') };
}

/** Every value the path reaches in `root`, in document order; empty when it reaches none. */
export function readJsonPath(root: unknown, path: JsonPath): unknown[] {
  let current: unknown[] = [root];
  for (const segment of path.segments) {
    const next: unknown[] = [];
    for (const value of current) {
      if (segment.kind === 'key') {
        if (isRecord(value) && Object.hasOwn(value, segment.key)) next.push(value[segment.key]);
      } else if (Array.isArray(value)) {
        if (segment.kind === 'each') next.push(...(value as unknown[]));
        else if (segment.index < value.length) next.push(value[segment.index]);
      }
    }
    current = next;
  }
  return current.filter((value) => value !== undefined);
}

/** The first value the path reaches, as text; undefined for nothing, null, objects and arrays. */
export function readText(root: unknown, path: JsonPath): string | undefined {
  const [first] = readJsonPath(root, path);
  return scalarText(first);
}

/** A string, number or boolean as text; anything else undefined. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
