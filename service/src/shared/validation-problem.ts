/**
 * One thing wrong with an input, as every validator in the service reports it: route rules, price
 * tables, apps, and each provider kind's settings. The gRPC layer turns a list of them into one
 * INVALID_ARGUMENT with a field violation each.
 */

/** One thing wrong with an input, named by its path as the API spells it (`match.prefixes[2]`). */
export interface ValidationProblem {
  readonly field: string;
  readonly reason: string;
}

/** `field: reason; field: reason` — for error messages and logs. */
export function formatProblems(problems: readonly ValidationProblem[]): string {
  return problems.map((problem) => `${problem.field}: ${problem.reason}`).join('; ');
}

/** Prefixes every problem's field with `prefix` (`rules[3].` + `match.apps[0]`). */
export function nestProblems(prefix: string, problems: readonly ValidationProblem[]): ValidationProblem[] {
  return problems.map((problem) => ({ field: `${prefix}${problem.field}`, reason: problem.reason }));
}
