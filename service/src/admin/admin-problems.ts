/**
 * Turning validation problems into the one error AdminService throws for them: INVALID_ARGUMENT
 * naming the first bad field the way the .proto spells it, with every problem in the message so
 * an admin can fix a whole object in one go.
 */
import { formatProblems, type ValidationProblem } from '../shared/validation-problem.js';
import { InvalidArgumentError } from '../shared/errors.js';
import { isUuid } from '../shared/request-rules.js';

/**
 * Rewrites a domain field path (`match.timeWindow.timeZone`, `fallback[0].receiptTimeoutSeconds`)
 * into the .proto spelling (`match.time_window.time_zone`, `fallback[0].receipt_timeout_seconds`).
 * Map keys stay as they are: after `weights.`, `settings.`, `credentials.`, `templates.`,
 * `emailTemplates.` and `texts.` comes a provider, setting, template or locale name, not a field.
 */
export function protoFieldPath(path: string): string {
  const segments = path.split('.');
  return segments
    .map((segment, index) => {
      const previous = index > 0 ? segments[index - 1] : undefined;
      if (previous !== undefined && MAP_FIELDS.has(previous.replace(/\[\d+\]$/, ''))) return segment;
      return segment.replace(/^[A-Za-z]+/, (name) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`));
    })
    .join('.');
}

const MAP_FIELDS = new Set(['weights', 'settings', 'credentials', 'templates', 'texts', 'emailTemplates']);

/** Prefixes each problem's field with `prefix` and rewrites it into the .proto spelling. */
export function toProtoProblems(prefix: string, problems: readonly ValidationProblem[]): ValidationProblem[] {
  return problems.map((problem) => ({ field: protoFieldPath(`${prefix}${problem.field}`), reason: problem.reason }));
}

/** The error for a non-empty list of problems: `field` is the first, the message lists all. */
export function invalidArgument(problems: readonly ValidationProblem[]): InvalidArgumentError {
  const first = problems[0] ?? { field: 'request', reason: 'is invalid' };
  if (problems.length <= 1) return new InvalidArgumentError(first.field, first.reason);
  return new InvalidArgumentError(first.field, `${first.reason} (all ${problems.length} problems: ${formatProblems(problems)})`);
}

/** Throws {@link invalidArgument} when there is any problem. */
export function assertValid(problems: readonly ValidationProblem[]): void {
  if (problems.length > 0) throw invalidArgument(problems);
}


/**
 * Checks an opaque id before it reaches SQL: PostgreSQL refuses a malformed uuid with an error
 * that would otherwise surface as INTERNAL.
 */
export function assertId(value: string, field: string): void {
  if (value === '') throw new InvalidArgumentError(field, 'is required');
  if (!isUuid(value)) throw new InvalidArgumentError(field, `"${value.slice(0, 64)}" is not an id this service issued`);
}
