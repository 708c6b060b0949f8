// The agent's side of AgentService.Connect: one outbound stream, held open and dialled again
// whenever it ends. Everything it sends is idempotent (agent.proto's delivery rules): a command
// is answered `accepted` only once journalled, and every result is resent on each (re)connect
// until the service acks it, so a drop at any point loses nothing and duplicates nothing.
import { Metadata, status as Status, type ClientDuplexStream, type StatusObject } from '@grpc/grpc-js';
import {
  AgentServiceClient,
  type ConnectRequest,
  type ConnectResponse,
  type ResultAck,
  type SendSms,
} from '@switchboard/proto/switchboard/v1/agent';
import type { ResultListener, SmsSender } from '../agent.ports.js';
import type { AgentConfig } from '../config.js';
import type { Journal, JournalResult } from '../journal/index.js';
import { channelCredentials, channelOptions, DEFAULT_KEEPALIVE, type KeepaliveOptions } from './channel.credentials.js';
import { heartbeatPeriodMs } from './heartbeat.period.js';
import type { LinkLogger } from './link.logger.js';
import { toModemState } from './modem-state.mapper.js';
import { backoffDelayMs, classifyStreamEnd, DEFAULT_BACKOFF, type BackoffOptions } from './reconnect.policy.js';
import { resultIdsSettledBy, toWireResult, unackedResultsOf, type ResultContext } from './result.mapper.js';
import { readSendSms, type SendSmsReading } from './send-sms.reader.js';

/** What the link needs of the journal. */
export type LinkJournal = Pick<Journal, 'append' | 'ack' | 'message' | 'unackedResults'>;

/** Everything an {@link AgentLink} is built from. */
export interface AgentLinkOptions {
  /** Where to dial, how, and as whom; `heartbeatSeconds` applies until the welcome names one. */
  readonly config: Pick<AgentConfig, 'service' | 'agent' | 'heartbeatSeconds'>;
  readonly journal: LinkJournal;
  readonly sender: SmsSender;
  readonly logger: LinkLogger;
  /** The agent's software version (semver), sent in the hello. */
  readonly agentVersion: string;
  /** Delays between dials after a drop. Default: 0.5 s doubling to 30 s, ±20 %. */
  readonly backoff?: Partial<BackoffOptions>;
  /** Delay before dialling again after the service refused the agent (bad token...). Default: 60 s. */
  readonly refusedRetryMs?: number;
  /** A stream that stayed up this long was healthy: the next drop starts the backoff over. Default: 60 s. */
  readonly stableAfterMs?: number;
  /** A stream with no welcome after this long is dropped and dialled again. Default: 30 s. */
  readonly welcomeTimeoutMs?: number;
  /** Heartbeat period, overriding the welcome's and the config's seconds (tests use milliseconds). */
  readonly heartbeatMs?: number;
  /** gRPC keepalive pings. Default: every 30 s, 10 s to answer. */
  readonly keepalive?: KeepaliveOptions;
  /** How long {@link AgentLink.stop} waits for the service to close the stream before cancelling it. Default: 2 s. */
  readonly stopGraceMs?: number;
  readonly now?: () => Date;
  readonly random?: () => number;
}

type ConnectCall = ClientDuplexStream<ConnectRequest, ConnectResponse>;

/** One dial: its client, its stream and the timers that belong to it. */
interface Connection {
  readonly client: AgentServiceClient;
  readonly call: ConnectCall;
  welcomedAt?: number;
  /** Set once the agent half-closed it: nothing more may be written. */
  ending?: boolean;
  welcomeTimer?: NodeJS.Timeout;
  heartbeatTimer?: NodeJS.Timeout;
  onEnded?: () => void;
}

/**
 * The agent's link to AgentService. Build it, pass {@link onResult} to the sender as its
 * {@link ResultListener}, call {@link start}; call {@link stop} before closing the journal.
 */
export class AgentLink {
  readonly #options: AgentLinkOptions;
  readonly #journal: LinkJournal;
  readonly #sender: SmsSender;
  readonly #log: LinkLogger;
  readonly #backoff: BackoffOptions;
  readonly #now: () => Date;
  readonly #random: () => number;
  /** Commands being journalled, by message id: a repeat waits for the fsync before it is answered. */
  readonly #acceptances = new Map<string, Promise<void>>();
  readonly #results: ResultContext;
  #connection: Connection | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #started = false;
  #stopping = false;

  constructor(options: AgentLinkOptions) {
    this.#options = options;
    this.#journal = options.journal;
    this.#sender = options.sender;
    this.#log = options.logger;
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#now = options.now ?? (() => new Date());
    this.#random = options.random ?? Math.random;
    this.#results = {
      message: (id) => this.#journal.message(id),
      unackedResults: () => this.#journal.unackedResults(),
      imeiOf: (label) => this.#sender.modems().find((m) => m.label === label)?.imei ?? '',
    };
  }

  /**
   * The sender's {@link ResultListener}: a result it has journalled goes out at once when the
   * stream is up; otherwise it goes with the resend on the next connect.
   */
  readonly onResult: ResultListener = (result: JournalResult) => {
    const request = toWireResult(result, this.#results);
    if (request !== undefined) this.#send(request);
  };

  /** Whether a stream is open and the service has welcomed it. */
  get connected(): boolean {
    return this.#connection?.welcomedAt !== undefined;
  }

  /** Dials the service and keeps a stream open until {@link stop}. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#dial();
  }

  /**
   * Lets commands being journalled finish and be answered, then half-closes the stream and waits
   * for the service to end it (cancelling it after the grace period). No dial follows.
   */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    clearTimeout(this.#retryTimer);
    await Promise.allSettled([...this.#acceptances.values()]);
    const connection = this.#connection;
    if (connection !== undefined) {
      clearInterval(connection.heartbeatTimer);
      connection.ending = true;
      await new Promise<void>((resolve) => {
        const grace = setTimeout(() => {
          connection.call.cancel();
        }, this.#options.stopGraceMs ?? 2_000);
        connection.onEnded = () => {
          clearTimeout(grace);
          resolve();
        };
        connection.call.end();
      });
    }
    this.#log.info('agent link stopped');
  }

  #dial(): void {
    if (this.#stopping) return;
    const { service, agent } = this.#options.config;
    const target = `${service.address.host}:${service.address.port}`;
    let client: AgentServiceClient;
    try {
      const keepalive = channelOptions(this.#options.keepalive ?? DEFAULT_KEEPALIVE);
      client = new AgentServiceClient(target, channelCredentials(service.tls), keepalive);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.#retryLater(this.#refusedRetryDelayMs(), 'error', `cannot set up TLS for ${target}: ${reason}`, {});
      return;
    }
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${agent.token.reveal()}`);
    const call = client.connect(metadata);
    const connection: Connection = { client, call };
    this.#connection = connection;

    call.on('data', (response: ConnectResponse) => {
      this.#receive(connection, response);
    });
    // The final status arrives as 'status' too; without a listener 'error' would throw.
    call.on('error', () => undefined);
    call.on('status', (status: StatusObject) => {
      this.#ended(connection, status);
    });

    // The contract: a hello is the stream's first message.
    const modems = this.#sender.modems().map(toModemState);
    call.write({ body: { $case: 'hello', value: { agentId: agent.id, agentVersion: this.#options.agentVersion, modems } } });
    const welcomeTimeoutMs = this.#options.welcomeTimeoutMs ?? 30_000;
    connection.welcomeTimer = setTimeout(() => {
      this.#log.warn('no welcome from the service in time; dropping the stream', { target, waitedMs: welcomeTimeoutMs });
      call.cancel();
    }, welcomeTimeoutMs);
    this.#log.info('dialling AgentService', { target, agentId: agent.id, tls: service.tls.mode });
  }

  #receive(connection: Connection, response: ConnectResponse): void {
    if (connection !== this.#connection) return;
    const body = response.body;
    switch (body?.$case) {
      case 'welcome':
        this.#welcomed(connection, body.value.heartbeatSeconds);
        return;
      case 'sendSms':
        // Once stopping, a command is left for the service to resend after the restart.
        if (this.#stopping) return;
        this.#onSendSms(body.value).catch((error: unknown) => {
          this.#log.error('send_sms not accepted; the service resends it on the next connect', {
            messageId: body.value.messageId,
            reason: error instanceof Error ? error.message : String(error),
          });
        });
        return;
      case 'ack':
        this.#onAck(body.value).catch((error: unknown) => {
          this.#log.error('could not journal an ack; the results are resent and acked again', {
            reason: error instanceof Error ? error.message : String(error),
          });
        });
        return;
      case undefined:
        // A message type from a newer service: nothing this agent can do with it.
        return;
    }
  }

  #welcomed(connection: Connection, heartbeatSeconds: number): void {
    if (connection.welcomedAt !== undefined) return;
    connection.welcomedAt = Date.now();
    clearTimeout(connection.welcomeTimer);
    const periodMs = this.#options.heartbeatMs ?? heartbeatPeriodMs(heartbeatSeconds, this.#options.config.heartbeatSeconds);
    connection.heartbeatTimer = setInterval(() => {
      this.#send({ body: { $case: 'heartbeat', value: { modems: this.#sender.modems().map(toModemState) } } });
    }, periodMs);

    // Every result the service has not acked, oldest first: it may have missed any of them.
    let resent = 0;
    for (const result of this.#journal.unackedResults()) {
      const request = toWireResult(result, this.#results);
      if (request === undefined) continue;
      this.#send(request);
      resent += 1;
    }
    this.#log.info('connected to AgentService', { heartbeatMs: periodMs, resentResults: resent });
  }

  async #onSendSms(sms: SendSms): Promise<void> {
    const labels = this.#sender.modems().map((m) => m.label);
    const reading = readSendSms(sms, this.#now(), labels);
    if (reading.kind === 'unusable') {
      this.#log.warn(`dropped a send_sms: ${reading.reason}`, { field: reading.field });
      return;
    }
    const messageId = reading.command.messageId;
    const journalling = this.#acceptances.get(messageId);
    if (journalling !== undefined) {
      // Answered only once the first copy is on disk; if that failed, the resend after a
      // reconnect tries again.
      await journalling;
      this.#answerRepeat(messageId);
      return;
    }
    if (this.#journal.message(messageId) !== undefined) {
      this.#answerRepeat(messageId);
      return;
    }
    const acceptance = this.#accept(reading);
    this.#acceptances.set(messageId, acceptance);
    try {
      await acceptance;
    } finally {
      this.#acceptances.delete(messageId);
    }
  }

  async #accept(reading: Exclude<SendSmsReading, { kind: 'unusable' }>): Promise<void> {
    const { command } = reading;
    const messageId = command.messageId;
    if (reading.kind === 'malformed') {
      // Both appends are issued in one turn, so they share one write and one fsync.
      const [, failed] = await Promise.all([
        this.#journal.append(command),
        this.#journal.append({ type: 'failed', messageId, reason: reading.reason, retryable: reading.retryable }),
      ]);
      this.#send({ body: { $case: 'accepted', value: { messageId } } });
      this.#log.warn('send_sms not sendable here: journalled and failed', {
        messageId,
        field: reading.field,
        retryable: reading.retryable,
      });
      this.onResult(failed.entry as JournalResult);
      return;
    }
    const outcome = await this.#journal.append(command);
    this.#send({ body: { $case: 'accepted', value: { messageId } } });
    if (outcome.written) {
      this.#sender.enqueue(messageId);
      this.#log.info('send_sms accepted', { messageId, parts: command.parts });
    }
  }

  /** A command the journal already holds: accepted again, with whatever it has produced since. */
  #answerRepeat(messageId: string): void {
    this.#send({ body: { $case: 'accepted', value: { messageId } } });
    let resent = 0;
    for (const result of unackedResultsOf(messageId, this.#journal.unackedResults())) {
      const request = toWireResult(result, this.#results);
      if (request === undefined) continue;
      this.#send(request);
      resent += 1;
    }
    this.#log.info('send_sms repeated: accepted again, not sent again', { messageId, resentResults: resent });
  }

  async #onAck(ack: ResultAck): Promise<void> {
    const ids: number[] = [];
    for (const text of ack.resultIds) {
      // Result ids are the journal's decimal seqs; anything else is not ours to settle.
      const id = /^[1-9]\d{0,15}$/.test(text) ? Number(text) : Number.NaN;
      if (Number.isSafeInteger(id)) ids.push(id);
      else this.#log.warn('ignored an ack for a result id this agent never sent', { resultId: text });
    }
    if (ids.length === 0) return;
    const unacked = this.#journal.unackedResults();
    await this.#journal.ack(new Set(ids.flatMap((id) => resultIdsSettledBy(id, unacked))));
  }

  #send(request: ConnectRequest): void {
    const connection = this.#connection;
    if (connection === undefined || connection.ending === true) return;
    connection.call.write(request);
  }

  #ended(connection: Connection, status: StatusObject): void {
    if (connection !== this.#connection) return;
    this.#connection = undefined;
    clearTimeout(connection.welcomeTimer);
    clearInterval(connection.heartbeatTimer);
    connection.client.close();
    if (this.#stopping) {
      connection.onEnded?.();
      return;
    }
    const end = classifyStreamEnd(status.code);
    const stableAfterMs = this.#options.stableAfterMs ?? 60_000;
    if (connection.welcomedAt !== undefined && Date.now() - connection.welcomedAt >= stableAfterMs) this.#attempt = 0;
    const delayMs =
      end.retry === 'slow'
        ? this.#refusedRetryDelayMs()
        : backoffDelayMs(this.#attempt++, this.#backoff, this.#random);
    const fields = { code: Status[status.code], details: status.details };
    this.#retryLater(delayMs, end.level, `stream ended: ${end.explanation}`, fields);
  }

  /** The slow retry, jittered like the backoff: agents refused together should not return together. */
  #refusedRetryDelayMs(): number {
    const delayMs = this.#options.refusedRetryMs ?? 60_000;
    return backoffDelayMs(0, { ...this.#backoff, initialMs: delayMs, maxMs: delayMs * 2 }, this.#random);
  }

  #retryLater(delayMs: number, level: 'info' | 'warn' | 'error', message: string, fields: Record<string, string>): void {
    this.#log[level](message, { ...fields, retryInMs: delayMs });
    this.#retryTimer = setTimeout(() => {
      this.#dial();
    }, delayMs);
  }
}
