import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../shared/errors.js';
import { parsePhoneNumber } from '../verification/phone-number.js';
import type { AppProfile, DispatchQueue, MessageDraft } from '../verification/verification.ports.js';
import { isFinalMessageStatus, type MessageView } from './message-view.js';
import { assertIdempotencyKey, isUuid } from '../shared/request-rules.js';

/** Storage for plain messages: one transaction per SendMessage, plus reads. */
export interface MessagingRepository {
  /**
   * Within one transaction: the message an idempotency key already stands for (with the
   * fingerprint it was stored with), or else stores `draft` and the key. Returns the id to answer with
   * and whether it is new.
   */
  storeOnce(draft: MessageDraft, idempotency: { key: string; fingerprint: string } | null, now: Date): Promise<{ messageId: string; created: boolean; fingerprintMatches: boolean }>;
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
  readonly #dispatch: DispatchQueue;
  readonly #now: () => Date;

  constructor(deps: { repository: MessagingRepository; dispatch: DispatchQueue; now?: () => Date }) {
    this.#repository = deps.repository;
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
    const draft: MessageDraft = {
      id: randomUUID(),
      appId: app.id,
      verificationId: null,
      kind: 'transactional',
      channel: 'sms',
      to: number.e164,
      country: number.country,
      from: app.senderId,
      text,
    };
    const fingerprint = createHash('sha256').update(`${number.e164}\u0000${text}`).digest('hex');
    const stored = await this.#repository.storeOnce(draft, key === '' ? null : { key, fingerprint }, this.#now());
    if (!stored.fingerprintMatches) {
      throw new InvalidArgumentError('idempotency_key', 'was already used for a different request');
    }
    // Read before handing it over, so a new message is answered as QUEUED, as the contract says.
    const view = await this.getMessage(app, stored.messageId);
    if (stored.created) this.#dispatch.enqueue(stored.messageId);
    return view;
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
