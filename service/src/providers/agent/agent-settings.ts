/**
 * The settings of an `agent` provider: which registered modem agent carries its messages, which
 * of that agent's modems may, and how long a message may wait for them. Values arrive as the admin
 * typed them (numbers and booleans may be text); every problem is listed with its field, and
 * unknown names are problems (a misspelt `modem` must not silently mean "any modem").
 */
import { z } from 'zod';
import type { ValidationProblem } from '../../shared/validation-problem.js';

/** An agent id or modem label: what the agent's own config accepts. */
export const AGENT_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
const ID = new RegExp(AGENT_ID_PATTERN);

export const DEFAULT_QUEUE_TIMEOUT_SECONDS = 120;

export interface AgentSettings {
  readonly agent: string;
  /** Labels of the agent's modems that may send; empty: any of them. */
  readonly modems: readonly string[];
  /**
   * How long a message may wait for the agent to take it and a modem to start sending it. After
   * that the agent no longer starts it and the step fails over.
   */
  readonly queueTimeoutSeconds: number;
  /** Ask the network for status reports (TP-SRR). */
  readonly statusReports: boolean;
}

export const AGENT_SETTING_NAMES = ['agent', 'modems', 'queueTimeoutSeconds', 'statusReports'] as const;

const flag = z
  .union([z.boolean(), z.enum(['true', 'false'])], { error: 'must be true or false' })
  .transform((value) => value === true || value === 'true');

const seconds = z
  .union([z.number(), z.string().trim().regex(/^\d+$/, 'must be a whole number of seconds from 10 to 3600').transform(Number)], {
    error: 'must be a whole number of seconds from 10 to 3600',
  })
  .pipe(z.number().int('must be a whole number of seconds from 10 to 3600').min(10, 'must be at least 10 seconds').max(3600, 'must be at most 3600 seconds'));

/** A list of labels, as a list or as text separated by commas. */
const labels = z
  .union([z.array(z.string({ error: 'must list modem labels' })), z.string().transform((text) => text.split(','))], { error: 'must list modem labels, e.g. "orange-1, orange-2"' })
  .transform((list) => list.map((label) => label.trim()).filter((label) => label !== ''))
  .superRefine((list, ctx) => {
    const bad = list.find((label) => !ID.test(label));
    if (bad !== undefined) ctx.addIssue({ code: 'custom', message: `has ${JSON.stringify(bad)}, which is not a modem label (letters, digits, . _ -; up to 64)` });
    if (new Set(list).size !== list.length) ctx.addIssue({ code: 'custom', message: 'names a modem twice' });
  });

const schema = z.strictObject({
  agent: z
    .string({ error: 'is required: the id of a registered modem agent' })
    .trim()
    .min(1, 'is required: the id of a registered modem agent')
    .regex(ID, 'must be an agent id (letters, digits, . _ -; up to 64)'),
  modems: labels.default([]),
  queueTimeoutSeconds: seconds.default(DEFAULT_QUEUE_TIMEOUT_SECONDS),
  statusReports: flag.default(true),
});

export type AgentSettingsResult = { readonly ok: true; readonly settings: AgentSettings } | { readonly ok: false; readonly problems: ValidationProblem[] };

export function parseAgentSettings(settings: Readonly<Record<string, unknown>>, credentials: Readonly<Record<string, string>>): AgentSettingsResult {
  const problems: ValidationProblem[] = [];
  // The agent authenticates with its own token; a provider row holds no secret for it.
  for (const key of Object.keys(credentials)) problems.push({ field: `credentials.${key}`, reason: 'agent providers take no credentials (the agent has its own token)' });
  const parsed = schema.safeParse(settings);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) problems.push({ field: `settings.${key}`, reason: `is not an agent setting (known: ${AGENT_SETTING_NAMES.join(', ')})` });
      } else {
        problems.push({ field: `settings${issue.path.map((part) => `.${String(part)}`).join('')}`, reason: issue.message });
      }
    }
  }
  if (!parsed.success || problems.length > 0) return { ok: false, problems };
  return { ok: true, settings: parsed.data };
}
