/** AdminService: what happened: messages and their attempts, inbound messages, the audit log, provider health. */
import { InvalidArgumentError, NotFoundError } from '../shared/errors.js';
import { assertId } from './admin-problems.js';
import type {
  InboundMessageView,
  InboundQuery,
  AuditRecordView,
  MessageQuery,
  MessageView,
  Page,
  ProviderHealthSnapshot,
} from './admin-model.js';
import { decodePageToken, pageSize } from './page-token.js';
import { nextToken, type AdminContext } from './admin-context.js';

/** Reads of the delivery log, inbound messages and audit records, newest first, keyset-paginated. */
export class DeliveryLog {
  readonly #ctx: AdminContext;
  readonly #health: { snapshot(): ProviderHealthSnapshot[] };

  constructor(ctx: AdminContext, health: { snapshot(): ProviderHealthSnapshot[] }) {
    this.#ctx = ctx;
    this.#health = health;
  }

  /** Messages newest first, filtered, one page at a time, each with its attempts. */
  async messages(query: MessageQuery): Promise<Page<MessageView>> {
    if (query.to !== '' && !/^\+\d{1,15}$/.test(query.to)) throw new InvalidArgumentError('to', 'must be E.164: "+" and up to 15 digits');
    if (query.createdAfter !== null && Number.isNaN(query.createdAfter.getTime())) throw new InvalidArgumentError('created_after', 'is not a valid time');
    if (query.createdBefore !== null && Number.isNaN(query.createdBefore.getTime())) throw new InvalidArgumentError('created_before', 'is not a valid time');
    const size = pageSize(query.pageSize);
    const position = decodePageToken(query.pageToken);
    const reads = this.#ctx.read();
    const keys = await reads.messageKeys(query, position, size + 1);
    const page = keys.slice(0, size);
    const items = await reads.messagesWithAttempts(page.map((key) => key.id));
    return { items, nextPageToken: nextToken(keys, page) };
  }

  /** One message (of any app) with its attempt timeline. */
  async message(id: string): Promise<MessageView> {
    assertId(id, 'message_id');
    const [message] = await this.#ctx.read().messagesWithAttempts([id]);
    if (message === undefined) throw new NotFoundError(`message ${id} does not exist`);
    return message;
  }

  /** Health of every provider, as this replica sees it. */
  health(): ProviderHealthSnapshot[] {
    return this.#health.snapshot();
  }

  /** Audit records newest first, one page at a time. */
  async auditRecords(request: { pageSize: number; pageToken: string }): Promise<Page<AuditRecordView>> {
    const size = pageSize(request.pageSize);
    const position = decodePageToken(request.pageToken);
    const { rows, keys } = await this.#ctx.read().auditPage(position, size + 1);
    return { items: rows.slice(0, size), nextPageToken: nextToken(keys, keys.slice(0, size)) };
  }

  /** Inbound (mobile-originated) messages newest first, one page at a time. */
  async inboundMessages(query: InboundQuery): Promise<Page<InboundMessageView>> {
    if (query.provider.length > 64) throw new InvalidArgumentError('provider', 'is longer than 64 characters');
    if (query.from.length > 32) throw new InvalidArgumentError('from', 'is longer than 32 characters');
    const size = pageSize(query.pageSize);
    const position = decodePageToken(query.pageToken);
    const { rows, keys } = await this.#ctx.read().inboundPage({ provider: query.provider, from: query.from.replace(/^\+/, '') }, position, size + 1);
    return {
      items: rows.slice(0, size),
      nextPageToken: nextToken(keys, keys.slice(0, size)),
    };
  }
}
