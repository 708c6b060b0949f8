/**
 * What a kind of provider is, as one value: the fields an admin fills in, how they are read and
 * checked, which channels it serves, and how a running provider is built from a stored row.
 * AdminService validates with it, the provider pool builds with it, the dashboard renders its
 * forms from it (ListProviderKinds), and a new kind (the modem agent) is one more descriptor, not
 * one more case in several switches.
 */
import type { Channel } from '../routing/routing-model.js';
import type { Logger } from '../shared/logger.js';
import type { ValidationProblem } from '../shared/validation-problem.js';
import type { AgentGateway } from './agent-gateway.js';
import type { WebhookConfig } from './http/webhooks.js';
import type { SmppMetrics } from './smpp/smpp-provider-options.js';
import type { InboundSink, LateAcceptanceSink, ReceiptSink, ChannelProvider } from './channel-provider.js';
import type { VoiceAnswerFormat } from './voice/answer-document.js';

/** How a field's value is typed in and read (values travel as text either way). */
export type FieldType = 'text' | 'integer' | 'boolean' | 'choice' | 'url' | 'pem' | 'json' | 'phone' | 'email';

/** One setting or credential of a kind, enough to draw its form field and explain it. */
export interface FieldDescriptor {
  readonly key: string;
  /** `credentials` are secrets: stored encrypted, write-only over the API. */
  readonly location: 'settings' | 'credentials';
  readonly type: FieldType;
  readonly label: string;
  /** One or two sentences: what it does, and where its value comes from. */
  readonly help: string;
  readonly required: boolean;
  /** What the reader uses when the field is left empty; undefined when nothing is assumed. */
  readonly defaultValue?: string | undefined;
  /** For `choice`: every accepted value. */
  readonly choices?: readonly string[] | undefined;
  /** For `integer`: the accepted range, inclusive. */
  readonly min?: number | undefined;
  readonly max?: number | undefined;
  /** A regular expression the value must match (the reader says so in its own words). */
  readonly pattern?: string | undefined;
  /** Fields of one group are drawn together (`Connection`, `TLS`, `Receipts`). */
  readonly group: string;
  /** Only read when the field `key` holds one of `values` (HTTP presets: `preset`). */
  readonly shownWhen?: { readonly key: string; readonly values: readonly string[] } | undefined;
}

/** A provider row as the factory gets it (decrypted credentials). */
export interface ProviderRow {
  readonly name: string;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly credentials: Readonly<Record<string, string>>;
}

/** What every provider built here reports to: the process's sinks, metrics and logger. */
export interface ProviderContext {
  readonly receipts: ReceiptSink;
  readonly lateAcceptances: LateAcceptanceSink;
  readonly inbound: InboundSink;
  readonly metrics: SmppMetrics;
  readonly logger: Logger;
  /** How providers reach the service (webhooks, answer URLs): PUBLIC_BASE_URL, no trailing slash. */
  readonly publicBaseUrl: string;
  /** Key voice answer URLs are signed with. */
  readonly answerTokenKey: Buffer;
  /** The link to modem agents, for `agent` providers; absent where AgentService is not served. */
  readonly agents?: AgentGateway | undefined;
}

/** What the service's HTTP endpoints need of a running provider. */
export interface ProviderEndpoints {
  /** How `/webhooks/<name>` reads and verifies its reports; absent: it takes none. */
  readonly webhook?: WebhookConfig | undefined;
  /** The dialect `/voice/answer/<token>` answers a call of this provider in. */
  readonly answerFormat?: VoiceAnswerFormat | undefined;
}

/** A provider built from its row, with the endpoints it receives reports on. */
export interface BuiltProvider {
  readonly provider: ChannelProvider;
  readonly endpoints: ProviderEndpoints;
}

/** Thrown when a provider row cannot be turned into a running provider; names the bad field. */
export class ProviderConfigError extends Error {
  constructor(provider: string, problem: string) {
    super(`provider ${provider}: ${problem}`);
    this.name = 'ProviderConfigError';
  }
}

/** One kind of provider. */
export interface ProviderKindDescriptor {
  readonly kind: string;
  readonly title: string;
  readonly description: string;
  /** Channels a provider of this kind can serve; a row naming another is refused. */
  readonly channels: readonly Channel[];
  /** False: the model knows the kind, but this version cannot run it (rows are refused). */
  readonly available: boolean;
  readonly fields: readonly FieldDescriptor[];
  /** Credentials beyond `fields` are read too (a generic HTTP spec names its own). */
  readonly openCredentials: boolean;
  /**
   * Every problem of a row's settings and credentials, fields named `settings.<key>` or
   * `credentials.<key>`. Empty means `build` will accept the row.
   */
  validate(settings: Readonly<Record<string, unknown>>, credentials: Readonly<Record<string, string>>): ValidationProblem[];
  /** Builds the provider; throws `ProviderConfigError` naming what is wrong. */
  build(row: ProviderRow, context: ProviderContext): BuiltProvider;
}

/** Builds a descriptor's field list tersely: most fields are optional settings. */
export function field(
  key: string,
  type: FieldType,
  label: string,
  help: string,
  options: Partial<Omit<FieldDescriptor, 'key' | 'type' | 'label' | 'help'>> & { readonly group: string },
): FieldDescriptor {
  return { location: 'settings', required: false, ...options, key, type, label, help };
}

/** Turns a reader's problems into the `ProviderConfigError` the factory throws. */
export function configError(name: string, problems: readonly ValidationProblem[]): ProviderConfigError {
  return new ProviderConfigError(name, problems.map((problem) => `${problem.field} ${problem.reason}`).join('; '));
}
