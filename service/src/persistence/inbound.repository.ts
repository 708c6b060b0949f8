import { randomUUID } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { InboundSms } from '../providers/channel-provider.js';
import type { SecretBox } from '../shared/secret-box.js';
import { InboundMessageSchema, ProviderSchema } from './entities.js';

/** The associated data an inbound text is sealed with: a ciphertext only opens for its own row. */
export function inboundBodyContext(id: string): string {
  return `inbound:${id}`;
}

/** Stores mobile-originated messages as providers deliver them. */
export class InboundMessageRepository {
  constructor(
    private readonly em: SqlEntityManager,
    private readonly box: SecretBox,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Stores one message; resolves once it is committed, so the provider may acknowledge it. */
  async store(providerName: string, message: InboundSms): Promise<string> {
    const em = this.em.fork();
    const provider = await em.findOne(ProviderSchema, { name: providerName });
    const id = randomUUID();
    await em.insert(InboundMessageSchema, {
      id,
      provider: provider?.id ?? null,
      providerName,
      source: message.from.slice(0, 32),
      destination: message.to.slice(0, 32),
      bodyCiphertext: this.box.seal(message.text, inboundBodyContext(id)),
      parts: message.parts,
      receivedAt: this.now(),
    });
    return id;
  }
}
