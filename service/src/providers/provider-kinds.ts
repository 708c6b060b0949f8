/** Every provider kind the service knows, by name: the one place a new kind is added. */
import { agentKind } from './agent-kind.js';
import { emailKind } from './email/email-kind.js';
import { httpKind, voiceKind } from './http/http-kind.js';
import type { ProviderKindDescriptor } from './provider-kind.js';
import { smppKind } from './smpp/smpp-kind.js';

export const PROVIDER_KIND_DESCRIPTORS: readonly ProviderKindDescriptor[] = [smppKind, httpKind, voiceKind, emailKind, agentKind];

const BY_KIND = new Map(PROVIDER_KIND_DESCRIPTORS.map((descriptor) => [descriptor.kind, descriptor]));

/** The descriptor of `kind`, or undefined for a kind nobody knows. */
export function providerKind(kind: string): ProviderKindDescriptor | undefined {
  return BY_KIND.get(kind);
}
