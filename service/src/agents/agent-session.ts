/**
 * One agent's stream, from its hello to its end, without the wire: what to do with each message
 * the agent sends, and when to send it commands. Results are handled one at a time in arrival
 * order and acknowledged only once stored, so a result resent after a drop is applied once and a
 * result lost with the link is resent by the agent.
 */
import type { DeliveryReceipt, InboundSink, LateAcceptanceSink, ReceiptSink } from '../providers/channel-provider.js';
import { agentPartId } from '../providers/agent-gateway.js';
import { InvalidArgumentError, PermissionDeniedError, UnauthenticatedError, UnavailableError, type SwitchboardError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { AgentLinkStore, AgentMessage, QueueCursor, QueuedPage, ReceiptStatus, ServiceMessage, StoredOutcome } from './agent-link.ports.js';

/** What a session reports to the replica's hub. */
export interface SessionHost {
  /**
   * The session's hello was accepted: it now holds its agent on this replica. Resolves once the
   * stream it replaces has finished what it was handling, so a result resent on the new stream
   * is never applied while the old one is still applying it.
   */
  attach(session: AgentSession): Promise<void>;
  detach(session: AgentSession): void;
  /** An outcome was stored for a command; true when a submit waiting on this replica took it. */
  outcomeStored(attemptId: string, outcome: StoredOutcome): boolean;
}

export interface AgentSessionOptions {
  /** The agent the stream's token belongs to. */
  readonly agentId: string;
  /** The stream's token: the hello is refused if it stopped being the agent's meanwhile. */
  readonly token: string;
  readonly sessionId: string;
  /** This replica, for the dashboard's "connected to". */
  readonly replica: string;
  readonly heartbeatSeconds: number;
  readonly store: AgentLinkStore;
  readonly host: SessionHost;
  readonly receipts: ReceiptSink;
  readonly lateAcceptances: LateAcceptanceSink;
  readonly inbound: InboundSink;
  readonly send: (message: ServiceMessage) => void;
  /** Ends the stream with this error (the handler maps it to a gRPC status). */
  readonly end: (error: SwitchboardError) => void;
  readonly logger: Logger;
  readonly now?: () => Date;
}

/** Commands read per page when a stream catches up. */
const PUMP_PAGE = 200;

const RECEIPT_STATES: Readonly<Record<ReceiptStatus, DeliveryReceipt['state']>> = {
  delivered: 'delivered',
  pending: 'enroute',
  failed: 'failed',
  expired: 'expired',
};

export class AgentSession {
  readonly agentId: string;
  readonly sessionId: string;
  readonly #options: AgentSessionOptions;
  readonly #now: () => Date;
  /**
   * Commands sent on this stream, with their send-before time (after which they are dropped
   * here: no read returns them again). Sent again only on a new stream; the accept is idempotent.
   */
  readonly #sent = new Map<string, number>();
  #helloDone = false;
  #ended = false;
  #work: Promise<void> = Promise.resolve();
  #pumping = false;
  #pumpAgain = false;

  constructor(options: AgentSessionOptions) {
    this.agentId = options.agentId;
    this.sessionId = options.sessionId;
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Resolves once every message taken so far has been handled (or dropped, once ended). */
  drained(): Promise<void> {
    return this.#work;
  }

  /** Takes one message from the agent; messages are handled in order. */
  receive(message: AgentMessage): void {
    this.#work = this.#work.then(() => this.#handle(message)).catch((error: unknown) => {
      this.#options.logger.error({ err: error, agent: this.agentId }, 'agent message not handled; ending the stream so the agent resends');
      this.close(new UnavailableError('the service could not store what the agent sent; reconnect and resend', 1000));
    });
  }

  /** Sends what is queued for the agent and not yet sent on this stream. */
  pump(): void {
    if (!this.#helloDone || this.#ended) return;
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    void this.#pumpLoop().finally(() => { this.#pumping = false; });
  }

  /** Ends the stream (from this side) with `error`, or quietly when the agent ended it. */
  close(error?: SwitchboardError): void {
    this.#options.host.detach(this);
    if (this.#ended) return;
    this.#ended = true;
    if (error) this.#options.end(error);
    if (this.#helloDone) this.#recordDisconnected();
  }

  /**
   * A result the service cannot read (its content malformed) is acknowledged and dropped with
   * a warning, rather than ending the stream: the agent would resend it on every reconnect and
   * nothing behind it would ever get through.
   */
  refuse(resultId: string, problem: string): void {
    this.#work = this.#work.then(() => {
      this.#options.logger.warn({ agent: this.agentId, resultId, problem }, 'malformed result from the agent; acknowledged and dropped');
      this.#ack(resultId);
    });
  }

  #recordDisconnected(): void {
    void this.#options.store.disconnected(this.agentId, this.sessionId).catch((failure: unknown) => {
      this.#options.logger.warn({ err: failure, agent: this.agentId }, 'could not record the agent as disconnected');
    });
  }

  async #pumpLoop(): Promise<void> {
    const { store, logger } = this.#options;
    do {
      this.#pumpAgain = false;
      try {
        const now = this.#now();
        for (const [attemptId, sendBefore] of this.#sent) if (sendBefore <= now.getTime()) this.#sent.delete(attemptId);
        let cursor: QueueCursor | null = null;
        do {
          const page: QueuedPage = await store.queued(this.agentId, now, cursor, PUMP_PAGE);
          cursor = page.next;
          const fresh = page.commands.filter((command) => !this.#sent.has(command.attemptId));
          // Marked as offered before a byte is written: from then on the agent may have it.
          const offered = await store.offer(this.agentId, fresh.map((command) => command.attemptId));
          for (const command of fresh) {
            if (this.#ended) return;
            if (!offered.has(command.attemptId)) continue;
            this.#sent.set(command.attemptId, command.sendBefore.getTime());
            this.#options.send({ kind: 'send', command });
          }
        } while (cursor !== null && !this.#ended);
      } catch (error) {
        logger.warn({ err: error, agent: this.agentId }, 'could not read commands for the agent; trying at the next notice or poll');
      }
    } while (this.#asked());
  }

  /** Read through a call: the stream can end while a handler awaits. */
  #hasEnded(): boolean {
    return this.#ended;
  }

  /** Whether a pump was asked for while this one ran (a notice came mid-read). */
  #asked(): boolean {
    return this.#pumpAgain && !this.#ended;
  }

  async #handle(message: AgentMessage): Promise<void> {
    if (this.#ended) return;
    const { store, logger } = this.#options;
    if (!this.#helloDone) {
      if (message.kind !== 'hello') {
        this.close(new InvalidArgumentError('body', `the first message must be a hello, not ${message.kind}`));
        return;
      }
      if (message.agentId !== this.agentId) {
        this.close(new PermissionDeniedError(`the token belongs to agent ${this.agentId}, not ${message.agentId}`));
        return;
      }
      if (!(await store.connected(this.agentId, this.#options.token, this.sessionId, this.#options.replica, message.agentVersion, message.modems))) {
        this.close(new UnauthenticatedError(`agent ${this.agentId}: its token was rotated or the agent deleted`));
        return;
      }
      this.#helloDone = true;
      // The stream may have ended while the hello was being stored.
      if (this.#hasEnded()) {
        this.#recordDisconnected();
        return;
      }
      await this.#options.host.attach(this);
      this.#options.send({ kind: 'welcome', heartbeatSeconds: this.#options.heartbeatSeconds });
      logger.info({ agent: this.agentId, version: message.agentVersion, modems: message.modems.length }, 'modem agent connected');
      this.pump();
      return;
    }
    switch (message.kind) {
      case 'hello':
        this.close(new InvalidArgumentError('hello', 'hello is sent once, first'));
        return;
      case 'heartbeat':
        await store.heartbeat(this.agentId, this.sessionId, message.modems);
        return;
      case 'accepted':
        if (!(await store.markAccepted(this.agentId, message.messageId))) {
          const command = await store.command(this.agentId, message.messageId);
          if (command?.state === 'expired') logger.warn({ agent: this.agentId, attemptId: message.messageId }, 'the agent accepted a command the service had withdrawn');
          else logger.debug({ agent: this.agentId, attemptId: message.messageId, state: command?.state ?? 'unknown' }, 'accept for a command not queued (a resend)');
        }
        return;
      case 'submitted':
      case 'failed':
        await this.#outcome(message);
        return;
      case 'receipt':
        await this.#receipt(message);
        return;
      case 'inbound':
        await this.#inbound(message);
        return;
    }
  }

  async #outcome(message: Extract<AgentMessage, { kind: 'submitted' | 'failed' }>): Promise<void> {
    const outcome: StoredOutcome =
      message.kind === 'submitted'
        ? { kind: 'submitted', modemLabel: message.modemLabel, modemImei: message.modemImei, references: message.references, submittedAt: message.submittedAt }
        : { kind: 'failed', failure: message.failure, reason: message.reason, modemLabel: message.modemLabel };
    const stored = await this.#options.store.recordOutcome(this.agentId, message.resultId, message.messageId, outcome);
    if (stored === null) {
      this.#options.logger.warn({ agent: this.agentId, attemptId: message.messageId }, 'an answer for a command this agent was never sent; dropped');
    } else {
      const waited = stored.fresh && this.#options.host.outcomeStored(message.messageId, outcome);
      // Nobody here waits for it: the submit waits on another replica (whose own record and this
      // one merge, parts known once), or nobody does any more (the replica gave up or died, and
      // the attempt was recorded as outcome unknown). Either way the attempt learns its ids now,
      // so its status reports match; on a resend too, as the first try may not have got through.
      if (!waited && outcome.kind === 'submitted') {
        const parts = outcome.references.length;
        for (let part = 1; part <= parts; part++) {
          await this.#options.lateAcceptances(stored.command.provider, {
            attemptId: message.messageId,
            part,
            parts,
            providerMessageId: agentPartId(message.messageId, part),
          });
        }
      }
      if (stored.fresh && stored.before === 'expired') {
        this.#options.logger.warn({ agent: this.agentId, attemptId: message.messageId, outcome: outcome.kind }, 'the agent answered a command the service had withdrawn; if it was sent, a later step may have sent it too');
      }
    }
    this.#ack(message.resultId);
  }

  async #receipt(message: Extract<AgentMessage, { kind: 'receipt' }>): Promise<void> {
    const { store } = this.#options;
    if (!(await store.resultSeen(this.agentId, message.resultId))) {
      const command = await store.command(this.agentId, message.messageId);
      if (command === null) {
        this.#options.logger.warn({ agent: this.agentId, attemptId: message.messageId }, 'status report for a message this agent was never sent; dropped');
      } else {
        await this.#options.receipts(command.provider, {
          providerMessageId: agentPartId(message.messageId, message.part + 1),
          state: RECEIPT_STATES[message.status],
          errorCode: message.status === 'delivered' ? undefined : `TP-ST ${message.statusCode}`,
          doneAt: message.dischargedAt ?? undefined,
          handset: command.to,
          attemptId: message.messageId,
        });
      }
      await store.rememberResult(this.agentId, message.resultId);
    }
    this.#ack(message.resultId);
  }

  async #inbound(message: Extract<AgentMessage, { kind: 'inbound' }>): Promise<void> {
    const { store } = this.#options;
    if (!(await store.resultSeen(this.agentId, message.resultId))) {
      const provider = await store.inboundProvider(this.agentId);
      await this.#options.inbound(provider, { from: message.from, to: message.modemLabel, text: message.text, parts: message.parts });
      await store.rememberResult(this.agentId, message.resultId);
    }
    this.#ack(message.resultId);
  }

  #ack(resultId: string): void {
    if (!this.#ended) this.#options.send({ kind: 'ack', resultIds: [resultId] });
  }
}
