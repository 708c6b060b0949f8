/**
 * The simulator's JSON control API. Thin: each route calls one simulator method.
 *
 * GET /_sim/requests[?preset=&route=] · GET /_sim/messages[?preset=] · GET /_sim/calls[?preset=] ·
 * GET /_sim/webhooks[?preset=&kind=] · DELETE /_sim/records · POST /_sim/faults
 * `{preset, count?, fault}` · DELETE /_sim/faults · GET|PUT /_sim/behaviour · POST /_sim/receipts
 * `{id, outcome}` · POST /_sim/reset
 */
import { z } from 'zod';
import type { HttpProviderSimulator } from './http-provider.simulator.js';
import { SIM_PRESETS, type SimPreset } from './sim-core.js';
import { json, type SimRequest, type SimResponse } from './sim-http.js';

const FaultSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('status'),
    status: z.number().int().min(300).max(599),
    code: z.string().optional(),
    message: z.string().optional(),
    retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
    accept: z.boolean().optional(),
  }),
  z.object({ kind: z.literal('refuse'), code: z.string().min(1), message: z.string().optional() }),
  z.object({ kind: z.literal('delay'), ms: z.number().int().min(0).max(600_000) }),
  z.object({ kind: z.literal('drop'), accept: z.boolean().optional() }),
]);

const FaultRequestSchema = z.object({ preset: z.enum(SIM_PRESETS), count: z.number().int().min(1).max(1000).default(1), fault: FaultSchema });

const SMS_OUTCOMES = ['delivered', 'failed', 'undelivered', 'none'] as const;

const BehaviourPatchSchema = z
  .object({
    receiptDelayMs: z.number().int().min(0).max(600_000),
    smsOutcome: z.enum(SMS_OUTCOMES),
    smsOutcomeByDestination: z.record(z.string(), z.enum(SMS_OUTCOMES)),
    callOutcome: z.enum(['completed', 'busy', 'no-answer', 'failed']),
    callStepDelayMs: z.number().int().min(0).max(60_000),
  })
  .partial()
  .strict();

const ReceiptRequestSchema = z.object({ id: z.string().min(1), outcome: z.enum(['sent', 'delivered', 'failed', 'undelivered']) });

/** Answers one control request. */
export async function handleControl(simulator: HttpProviderSimulator, request: SimRequest): Promise<SimResponse> {
  const key = `${request.method} ${request.path.replace(/\/+$/, '')}`;
  const preset = presetParam(request.query.get('preset'));
  if (preset === null) return json(400, { error: `preset must be one of ${SIM_PRESETS.join(', ')}`, field: 'preset' });
  switch (key) {
    case 'GET /_sim/requests':
      return json(200, simulator.requests({ preset, route: request.query.get('route') ?? undefined }));
    case 'GET /_sim/messages':
      return json(200, simulator.messages(preset));
    case 'GET /_sim/calls':
      return json(200, simulator.calls(preset));
    case 'GET /_sim/webhooks': {
      const kind = request.query.get('kind');
      if (kind !== null && kind !== 'sms-status' && kind !== 'call-status' && kind !== 'answer') return json(400, { error: 'unknown kind', field: 'kind' });
      return json(200, simulator.webhooks({ preset, kind: kind ?? undefined }));
    }
    case 'DELETE /_sim/records':
      simulator.clearRecords();
      return { status: 204, body: '' };
    case 'POST /_sim/faults': {
      const parsed = parseBody(request, FaultRequestSchema);
      if (!parsed.ok) return parsed.response;
      simulator.failNext(parsed.value.preset, parsed.value.fault, parsed.value.count);
      return json(200, { queued: parsed.value.count });
    }
    case 'DELETE /_sim/faults':
      simulator.clearFaults();
      return { status: 204, body: '' };
    case 'GET /_sim/behaviour':
      return json(200, simulator.behaviour());
    case 'PUT /_sim/behaviour': {
      const parsed = parseBody(request, BehaviourPatchSchema);
      if (!parsed.ok) return parsed.response;
      return json(200, simulator.updateBehaviour(stripUndefined(parsed.value)));
    }
    case 'POST /_sim/receipts': {
      const parsed = parseBody(request, ReceiptRequestSchema);
      if (!parsed.ok) return parsed.response;
      const sent = await simulator.sendReceipt(parsed.value.id, parsed.value.outcome);
      return sent ? json(200, { sent: true }) : json(404, { error: 'no message with that id', field: 'id' });
    }
    case 'POST /_sim/reset':
      simulator.reset();
      return { status: 204, body: '' };
    default:
      return json(404, { error: `no route ${key}` });
  }
}

function presetParam(value: string | null): SimPreset | undefined | null {
  if (value === null) return undefined;
  return (SIM_PRESETS as readonly string[]).includes(value) ? (value as SimPreset) : null;
}

function stripUndefined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

function parseBody<T>(request: SimRequest, schema: z.ZodType<T>): { ok: true; value: T } | { ok: false; response: SimResponse } {
  let body: unknown;
  try {
    body = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    return { ok: false, response: json(400, { error: 'body must be JSON', field: 'body' }) };
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join('.') || 'body';
  return { ok: false, response: json(400, { error: `${field}: ${issue?.message ?? 'invalid'}`, field }) };
}
