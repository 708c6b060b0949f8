import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../shared/errors.js';
import { parsePhoneNumber } from '../verification/phone-number.js';
import type { RequestBatcher } from '../verification/request-batcher.js';
import { handOff, LeaseReservation, queuedMessage } from '../verification/verification.service.js';
import type { DispatchQueue } from '../verification/verification.ports.js';
import type { AppProfile } from '../verification/app-profile.js';
import { isFinalMessageStatus, type MessageView } from './message-view.js';
import { assertIdempotencyKey, IDEMPOTENCY_WINDOW_MS, isUuid } from '../shared/request-rules.js';

/** Reads of plain messages (writes go through the request batcher). */
export interface MessagingRepository {
  findView(appId: string, messageId: string): Promise<MessageView | null>;
}

export interface SendMessageCommand {
  readonly to: string;
  readonly text: string;
  readonly idempotencyKey: string;
}

const MAX_TEXT_LENGTH = 1600;

/** SendMessage, GetMessage and WatchMessage: plain transactional SMS through the same routing. */
export class MessagingService {
  readonly #repository: MessagingRepository;
  readonly #batcher: RequestBatcher;
  readonly #dispatch: DispatchQueue;
  readonly #now: () => Date;

  constructor(deps: { repository: MessagingRepository; batcher: RequestBatcher; dispatch: DispatchQueue; now?: () => Date }) {
    this.#repository = deps.repository;
    this.#batcher = deps.batcher;
    this.#dispatch = deps.dispatch;
    this.#now = deps.now ?? (() => new Date());
  }

  /** Stores the message (durably, before answering) and hands it to dispatch. */
  async sendMessage(app: AppProfile, command: SendMessageCommand): Promise<MessageView> {
    const number = parsePhoneNumber(command.to, 'to');
    if (app.allowedCountries.length > 0 && !app.allowedCountries.includes(number.country)) {
      throw new FailedPreconditionError(`to: sending to ${number.country} is not allowed for app ${app.name}`);
    }
    const text = command.text;
    if (text.trim() === '') throw new InvalidArgumentError('text', 'is required');
    // Counted in code points: what a person would call characters, short of grapheme clusters.
    if (Array.from(text).length > MAX_TEXT_LENGTH) throw new InvalidArgumentError('text', `must be at most ${MAX_TEXT_LENGTH} characters`);
    if (text.includes('\u0000')) throw new InvalidArgumentError('text', 'must not contain NUL characters');
    const key = command.idempotencyKey;
    assertIdempotencyKey(key);
    const fingerprint = createHash('sha256').update(`${number.e164}\u0000${text}`).digest('hex');
    const lease = new LeaseReservation(this.#dispatch);
    const stored = await this.#batcher.run({ idempotencyKeys: key === '' ? [] : [{ appId: app.id, key }] }, async (uow) => {
      const now = this.#now();
      if (key !== '') {
        const seen = await uow.findIdempotencyKey(app.id, key, new Date(now.getTime() - IDEMPOTENCY_WINDOW_MS));
        if (seen) return { messageId: seen.messageId ?? '', fingerprintMatches: seen.messageId !== null && seen.fingerprint === fingerprint, created: null };
      }
      const draft = queuedMessage(lease.take(), {
        id: randomUUID(),
        appId: app.id,
        verificationId: null,
        kind: 'transactional',
        channel: 'sms',
        to: number.e164,
        country: number.country,
        from: app.senderId,
        text,
      });
      const { parts } = await uow.insertMessage(draft, now);
      if (key !== '') await uow.saveIdempotencyKey({ appId: app.id, key, verificationId: null, messageId: draft.id, to: number.e164, fingerprint, createdAt: now });
      return { messageId: draft.id, fingerprintMatches: true, created: { draft, parts, now } };
    }).catch((error: unknown) => {
      lease.cancel();
      throw error;
    });
    if (stored.created === null) lease.cancel();
    if (!stored.fingerprintMatches) {
      throw new InvalidArgumentError('idempotency_key', 'was already used for a different request');
    }
    if (stored.created === null) return this.getMessage(app, stored.messageId);
    const { draft, parts, now } = stored.created;
    lease.handOff(handOff(draft, parts, app, now, null));
    // Answered as the contract says for a new message: QUEUED, no attempt yet.
    return {
      id: draft.id,
      app: app.name,
      to: draft.to,
      country: draft.country,
      kind: draft.kind,
      channel: draft.channel,
      status: 'queued',
      verificationId: null,
      routeRule: null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
      attempts: [],
    };
  }

  async getMessage(app: AppProfile, messageId: string): Promise<MessageView> {
    if (!isUuid(messageId)) throw new InvalidArgumentError('message_id', 'must be a message id as returned by SendMessage');
    const view = await this.#repository.findView(app.id, messageId.toLowerCase());
    if (!view) throw new NotFoundError(`message ${messageId} not found`);
    return view;
  }

  /**
   * Yields the message now and after every change until it is final or `signal` aborts.
   * Changes are noticed by polling, so any replica's progress is seen.
   */
  async *watchMessage(app: AppProfile, messageId: string, signal: AbortSignal, pollMs = 300): AsyncGenerator<MessageView> {
    let last = '';
    for (;;) {
      const view = await this.getMessage(app, messageId);
      const signature = JSON.stringify([view.status, view.updatedAt, view.attempts.map((a) => [a.status, a.completedAt])]);
      if (signature !== last) {
        last = signature;
        yield view;
      }
      if (isFinalMessageStatus(view.status) || signal.aborted) return;
      try {
        await sleep(pollMs, undefined, { signal });
      } catch {
        return; // aborted: the caller went away
      }
    }
  }
}
