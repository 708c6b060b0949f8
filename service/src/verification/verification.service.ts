import { randomUUID } from 'node:crypto';
import type { ClaimedMessage } from '../dispatch/dispatch.ports.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError, RateLimitedError } from '../shared/errors.js';
import { assertEmailAddress } from '../shared/email-address.js';
import { CodeHasher, generateCode, MAX_CODE_LENGTH, MIN_CODE_LENGTH } from './code.js';
import { emailTemplateFor } from './email-template.js';
import { DEFAULT_TEMPLATE_NAME, hasTemplate, renderVerificationMessage } from './message-template.js';
import { parsePhoneNumber } from './phone-number.js';
import type { RequestBatcher } from './request-batcher.js';
import {
  applyCheck,
  applyResend,
  effectiveStatus,
  liveCodeHashes,
  settleExpiry,
  type Verification,
  type VerificationChannel,
  type VerificationStatus,
} from './verification.js';
import { DuplicateIdempotencyKeyError, type DispatchQueue, type MessageDraft, type VerificationRepository, type VerificationUnitOfWork } from './verification.ports.js';
import type { AppProfile } from './app-profile.js';
import { assertIdempotencyKey, IDEMPOTENCY_WINDOW_MS, isUuid } from '../shared/request-rules.js';

export interface VerificationSettings {
  readonly codeTtlSeconds: number;
  readonly maxChecks: number;
  /** Codes sent to one number (over all apps) within `sendWindowSeconds`. */
  readonly maxSendsPerNumber: number;
  readonly sendWindowSeconds: number;
  /** Least time between two sends of one verification ("resend" buttons pressed repeatedly); 0: none. */
  readonly resendCooldownSeconds: number;
  /** Wrong codes for one number (over all its verifications) within `checkWindowSeconds`. */
  readonly maxFailedChecksPerNumber: number;
  readonly checkWindowSeconds: number;
}

/** SendCode as the domain takes it; the transport has already mapped enums to these names. */
export interface SendCodeCommand {
  readonly to: string;
  readonly channel: VerificationChannel | 'auto';
  readonly locale: string;
  readonly codeLength: number;
  readonly templateName: string;
  readonly brand: string;
  readonly idempotencyKey: string;
  readonly appHash: string;
  /** The user's e-mail address; '' or absent: none given (a pending verification's is kept). */
  readonly email?: string | undefined;
}

export interface VerifyCodeCommand {
  readonly target: { readonly verificationId: string } | { readonly to: string } | undefined;
  readonly code: string;
}

export interface VerifyCodeResult {
  readonly approved: boolean;
  readonly verification: Verification;
}

const MAX_LOCALE_LENGTH = 35;
const MAX_BRAND_LENGTH = 30;

/**
 * SendCode, VerifyCode, GetVerification and CancelVerification: validation, the rules of
 * `verification.ts`, and the transaction that makes an accepted request durable before it is
 * answered.
 */
export class VerificationService {
  readonly #repository: Pick<VerificationRepository, 'findById'>;
  readonly #batcher: RequestBatcher;
  readonly #hasher: CodeHasher;
  readonly #dispatch: DispatchQueue;
  readonly #settings: VerificationSettings;
  readonly #now: () => Date;

  constructor(deps: {
    repository: Pick<VerificationRepository, 'findById'>;
    batcher: RequestBatcher;
    hasher: CodeHasher;
    dispatch: DispatchQueue;
    settings: VerificationSettings;
    now?: () => Date;
  }) {
    this.#repository = deps.repository;
    this.#batcher = deps.batcher;
    this.#hasher = deps.hasher;
    this.#dispatch = deps.dispatch;
    this.#settings = deps.settings;
    this.#now = deps.now ?? (() => new Date());
  }

  /**
   * Starts a verification or resends the pending one for the same destination. The verification
   * and its message commit in one transaction (shared with other requests) before this returns;
   * only then is the message handed to the dispatcher.
   */
  async sendCode(app: AppProfile, command: SendCodeCommand): Promise<Verification> {
    const request = validateSendCode(app, command);
    const now = this.#now();
    const reads = {
      destinations: [request.to],
      idempotencyKeys: request.idempotencyKey === '' ? [] : [{ appId: app.id, key: request.idempotencyKey }],
      pendingFor: [{ appId: app.id, to: request.to }],
      sendsSince: new Date(now.getTime() - this.#settings.sendWindowSeconds * 1000),
    };
    const lease = new LeaseReservation(this.#dispatch);
    let outcome: { verification: Verification; message: ClaimedMessage | null };
    try {
      try {
        outcome = await this.#batcher.run(reads, (uow) => this.#sendCodeIn(uow, app, request, lease));
      } catch (error) {
        // A concurrent request stored the same idempotency key first: run again, and this time the
        // key is found and its verification returned.
        if (!(error instanceof DuplicateIdempotencyKeyError)) throw error;
        outcome = await this.#batcher.run(reads, (uow) => this.#sendCodeIn(uow, app, request, lease));
      }
    } catch (error) {
      lease.cancel();
      throw error;
    }
    lease.handOff(outcome.message);
    return outcome.verification;
  }

  async #sendCodeIn(
    uow: VerificationUnitOfWork,
    app: AppProfile,
    request: ValidSendCode,
    lease: LeaseReservation,
  ): Promise<{ verification: Verification; message: ClaimedMessage | null }> {
    // The destination is locked for the transaction: a send that waited for another's commit sees it as past.
    const now = this.#now();

    if (request.idempotencyKey !== '') {
      const seen = await uow.findIdempotencyKey(app.id, request.idempotencyKey, new Date(now.getTime() - IDEMPOTENCY_WINDOW_MS));
      if (seen) {
        if (seen.to !== request.to || seen.verificationId === null) {
          throw new InvalidArgumentError('idempotency_key', 'was already used for a different request');
        }
        const earlier = await uow.findForUpdate(app.id, seen.verificationId);
        if (earlier) return { verification: earlier, message: null };
      }
    }

    const windowStart = new Date(now.getTime() - this.#settings.sendWindowSeconds * 1000);
    const sends = await uow.otpSendTimesTo(request.to, windowStart);
    const oldest = sends[0];
    if (oldest !== undefined && sends.length >= this.#settings.maxSendsPerNumber) {
      const retryAfterMs = Math.max(1000, oldest.getTime() + this.#settings.sendWindowSeconds * 1000 - now.getTime());
      throw new RateLimitedError(
        `at most ${this.#settings.maxSendsPerNumber} codes may be sent to one number within ${this.#settings.sendWindowSeconds} s`,
        retryAfterMs,
      );
    }

    const pending = await uow.findPendingFor(app.id, request.to);
    if (pending && settleExpiry(pending, now)) await uow.updateVerification(pending);
    const resend = pending && pending.status === 'pending' ? pending : null;
    if (resend) await this.#assertCooledDown(uow, resend, now);
    // A resend may switch to e-mail ("message not received") when the verification knows an address.
    const email = request.email ?? resend?.email ?? null;
    if (request.channel === 'email' && email === null) {
      throw new InvalidArgumentError('email', 'is required for CHANNEL_EMAIL: no e-mail address is known for this verification');
    }

    const verification: Verification = resend ?? {
      id: randomUUID(),
      appId: app.id,
      to: request.to,
      channel: request.channel,
      status: 'pending',
      codes: [],
      codeLength: request.codeLength,
      locale: request.locale,
      expiresAt: new Date(now.getTime() + this.#settings.codeTtlSeconds * 1000),
      sendCount: 1,
      failedChecks: 0,
      maxChecks: this.#settings.maxChecks,
      deliveryStatus: 'queued',
      email,
      createdAt: now,
      completedAt: null,
    };
    const code = generateCode(verification.codeLength);
    const rendered = renderVerificationMessage({
      templates: app.templates,
      templateName: request.templateName,
      locale: request.locale,
      defaultLocale: app.defaultLocale,
      code,
      brand: request.brand,
      ttlSeconds: this.#settings.codeTtlSeconds,
      appHash: request.appHash || undefined,
      domain: app.domain ?? undefined,
    });
    const codeHash = this.#hasher.hash(verification.id, code);
    if (resend) {
      applyResend(resend, { codeHash, channel: request.channel, locale: rendered.locale, now, ttlSeconds: this.#settings.codeTtlSeconds, email });
      await uow.updateVerification(resend);
    } else {
      verification.codes = [{ hash: codeHash, expiresAt: verification.expiresAt }];
      verification.locale = rendered.locale;
      await uow.insertVerification(verification);
    }

    // Voice and e-mail steps (the channel asked for, or a route's fallback) phrase the code their
    // own way; the SMS text alone cannot be read aloud or given a subject.
    const otp = {
      code,
      locale: request.locale,
      defaultLocale: app.defaultLocale,
      brand: request.brand,
      ttlSeconds: this.#settings.codeTtlSeconds,
      // Only a message that can reach an e-mail step carries the app's e-mail wording.
      emailTemplates: email === null ? undefined : emailTemplateFor(app.emailTemplates, request.locale, app.defaultLocale),
    };
    const message = queuedMessage(lease.take(), {
      id: randomUUID(),
      appId: app.id,
      verificationId: verification.id,
      kind: 'otp',
      channel: request.channel,
      to: request.to,
      country: request.country,
      from: app.senderId,
      text: rendered.text,
      otp,
      email,
    });
    const { parts } = await uow.insertMessage(message, now);
    if (request.idempotencyKey !== '') {
      await uow.saveIdempotencyKey({ appId: app.id, key: request.idempotencyKey, verificationId: verification.id, messageId: null, to: request.to, fingerprint: null, createdAt: now });
    }
    return { verification, message: handOff(message, parts, app, now, verification.expiresAt) };
  }

  async #assertCooledDown(uow: VerificationUnitOfWork, verification: Verification, now: Date): Promise<void> {
    const cooldownMs = this.#settings.resendCooldownSeconds * 1000;
    if (cooldownMs === 0) return;
    const last = await uow.lastCodeSentAt(verification.id);
    if (last === null) return;
    const waitMs = last.getTime() + cooldownMs - now.getTime();
    if (waitMs > 0) {
      throw new RateLimitedError(
        `a code was sent for this verification ${Math.floor((now.getTime() - last.getTime()) / 1000)} s ago; resends must be ${this.#settings.resendCooldownSeconds} s apart (retry in ${Math.ceil(waitMs / 1000)} s)`,
        waitMs,
      );
    }
  }

  /**
   * Checks a code. Only a pending verification can be checked; anything else (approved, expired,
   * canceled, out of attempts) is FAILED_PRECONDITION, so a replayed code can never approve twice.
   */
  async verifyCode(app: AppProfile, command: VerifyCodeCommand): Promise<VerifyCodeResult> {
    const code = validateCode(command.code);
    const target = command.target;
    if (target === undefined) throw new InvalidArgumentError('verification_id', 'or `to` is required');
    const verificationId = 'verificationId' in target ? validateVerificationId(target.verificationId, 'verification_id') : null;
    const to = 'to' in target ? parsePhoneNumber(target.to, 'to').e164 : null;
    const checksSince = new Date(this.#now().getTime() - this.#settings.checkWindowSeconds * 1000);
    const reads = verificationId !== null ? { verificationIds: [{ appId: app.id, id: verificationId }], checksSince } : { pendingFor: [{ appId: app.id, to: to ?? '' }], checksSince };

    return this.#batcher.run(reads, async (uow) => {
      const now = this.#now();
      const verification =
        verificationId !== null ? await uow.findForUpdate(app.id, verificationId) : await uow.findPendingFor(app.id, to ?? '');
      if (!verification) {
        throw new NotFoundError(verificationId !== null ? `verification ${verificationId} not found` : 'no pending verification for this number');
      }
      assertPending(verification, now);
      // Wrong codes are also counted per number across verifications (NIST SP 800-63B-4 §3.2.2:
      // limit failed attempts per subscriber), so starting over does not buy fresh guesses.
      const windowStart = new Date(now.getTime() - this.#settings.checkWindowSeconds * 1000);
      const failures = await uow.failedChecksFor(verification.to, windowStart);
      if (failures >= this.#settings.maxFailedChecksPerNumber) {
        throw new RateLimitedError(
          `too many wrong codes for this number; at most ${this.#settings.maxFailedChecksPerNumber} within ${this.#settings.checkWindowSeconds} s`,
          this.#settings.checkWindowSeconds * 1000,
        );
      }
      const outcome = applyCheck(verification, this.#hasher.matches(verification.id, code, liveCodeHashes(verification, now)), now);
      await uow.updateVerification(verification);
      return { approved: outcome.approved, verification };
    });
  }

  async getVerification(app: AppProfile, id: string): Promise<Verification> {
    const verification = await this.#repository.findById(app.id, validateVerificationId(id, 'verification_id'));
    if (!verification) throw new NotFoundError(`verification ${id} not found`);
    return verification;
  }

  async cancelVerification(app: AppProfile, id: string): Promise<Verification> {
    const verificationId = validateVerificationId(id, 'verification_id');
    return this.#batcher.run({ verificationIds: [{ appId: app.id, id: verificationId }] }, async (uow) => {
      const now = this.#now();
      const verification = await uow.findForUpdate(app.id, verificationId);
      if (!verification) throw new NotFoundError(`verification ${verificationId} not found`);
      assertPending(verification, now);
      verification.status = 'canceled';
      verification.completedAt = now;
      await uow.updateVerification(verification);
      // A code still waiting to be sent must not go out for a canceled verification.
      await uow.dropQueuedMessages(verification.id, 'not sent: verification canceled', now);
      return verification;
    });
  }
}

/**
 * One request's place in this replica's dispatcher: taken when its message is written (a request
 * run again after a failed transaction takes the same place), handed over or given back after.
 */
export class LeaseReservation {
  readonly #dispatch: DispatchQueue;
  #lease: { readonly owner: string; readonly seconds: number } | null | undefined;

  constructor(dispatch: DispatchQueue) {
    this.#dispatch = dispatch;
  }

  /** The lease to store the message under; null: the dispatcher is full, any replica claims it. */
  take(): { readonly owner: string; readonly seconds: number } | null {
    if (this.#lease === undefined) this.#lease = this.#dispatch.reserve();
    return this.#lease;
  }

  /** After the commit: the message goes to the dispatcher, or the place is given back. */
  handOff(message: ClaimedMessage | null): void {
    if (message !== null) this.#dispatch.accepted([message]);
    else this.cancel();
  }

  cancel(): void {
    if (this.#lease) this.#dispatch.cancelReservation();
    this.#lease = null;
  }
}

/** A message to store: under this replica's lease when given (it sends it at once, from memory), else for any replica. */
export function queuedMessage(lease: { readonly owner: string; readonly seconds: number } | null, draft: Omit<MessageDraft, 'lease'>): MessageDraft {
  return { ...draft, lease };
}

/** What the dispatcher is handed for a message stored under its lease (nothing is read back). */
export function handOff(draft: MessageDraft, parts: number, app: AppProfile, createdAt: Date, verificationExpiresAt: Date | null): ClaimedMessage | null {
  if (draft.lease === null) return null;
  return {
    id: draft.id,
    verificationId: draft.verificationId,
    to: draft.to,
    country: draft.country,
    channel: draft.channel,
    kind: draft.kind,
    app: app.name,
    parts,
    from: draft.from,
    text: draft.text,
    otp: draft.otp ?? null,
    email: draft.email ?? null,
    plan: null,
    routeRule: null,
    step: 0,
    retries: 0,
    createdAt,
    verificationOpen: true,
    verificationExpiresAt,
  };
}

function assertPending(verification: Verification, now: Date): void {
  const status: VerificationStatus = effectiveStatus(verification, now);
  if (status !== 'pending') {
    throw new FailedPreconditionError(`verification ${verification.id} is ${status.toUpperCase()}; only a PENDING verification can be changed`);
  }
}

interface ValidSendCode {
  readonly to: string;
  readonly country: string;
  readonly channel: VerificationChannel;
  readonly locale: string;
  readonly codeLength: number;
  readonly templateName: string;
  readonly brand: string;
  readonly idempotencyKey: string;
  readonly appHash: string;
  readonly email: string | null;
}

function validateSendCode(app: AppProfile, command: SendCodeCommand): ValidSendCode {
  const number = parsePhoneNumber(command.to, 'to');
  if (app.allowedCountries.length > 0 && !app.allowedCountries.includes(number.country)) {
    throw new FailedPreconditionError(`to: sending to ${number.country} is not allowed for app ${app.name}`);
  }
  // AUTO starts on SMS; the route's fallback steps may move on to voice or e-mail.
  const channel: VerificationChannel = command.channel === 'auto' ? 'sms' : command.channel;
  const email = (command.email ?? '').trim();
  if (email !== '') assertEmailAddress(email, 'email');
  const locale = command.locale.trim() === '' ? app.defaultLocale : command.locale.trim();
  if (locale.length > MAX_LOCALE_LENGTH || !/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(locale)) {
    throw new InvalidArgumentError('locale', 'must be a BCP 47 language tag such as "de" or "pt-BR"');
  }
  const codeLength = command.codeLength === 0 ? app.defaultCodeLength : command.codeLength;
  if (!Number.isInteger(codeLength) || codeLength < MIN_CODE_LENGTH || codeLength > MAX_CODE_LENGTH) {
    throw new InvalidArgumentError('code_length', `must be between ${MIN_CODE_LENGTH} and ${MAX_CODE_LENGTH} (or 0 for the default)`);
  }
  const templateName = command.templateName === '' ? DEFAULT_TEMPLATE_NAME : command.templateName;
  if (!hasTemplate(app.templates, templateName)) {
    throw new InvalidArgumentError('template_name', `app ${app.name} has no template "${templateName}"`);
  }
  const brand = command.brand === '' ? app.name : command.brand;
  if (brand.length > MAX_BRAND_LENGTH || /[\r\n{}]/.test(brand)) {
    throw new InvalidArgumentError('brand', `must be at most ${MAX_BRAND_LENGTH} characters without line breaks or braces`);
  }
  assertIdempotencyKey(command.idempotencyKey);
  if (command.appHash !== '' && !/^[A-Za-z0-9+/]{11}$/.test(command.appHash)) {
    throw new InvalidArgumentError('app_hash', 'must be the 11-character Android SMS Retriever hash');
  }
  return {
    to: number.e164,
    country: number.country,
    channel,
    locale,
    codeLength,
    templateName,
    brand,
    idempotencyKey: command.idempotencyKey,
    appHash: command.appHash,
    email: email === '' ? null : email,
  };
}

function validateCode(code: string): string {
  if (code === '') throw new InvalidArgumentError('code', 'is required');
  if (code.length > MAX_CODE_LENGTH || code.length < MIN_CODE_LENGTH || !/^\d+$/.test(code)) {
    throw new InvalidArgumentError('code', `must be ${MIN_CODE_LENGTH} to ${MAX_CODE_LENGTH} digits`);
  }
  return code;
}

function validateVerificationId(id: string | undefined, field: string): string {
  if (id === undefined || id === '') throw new InvalidArgumentError(field, 'is required');
  if (!isUuid(id)) throw new InvalidArgumentError(field, 'must be a verification id as returned by SendCode');
  return id.toLowerCase();
}
