// When a queued message is given up before any modem is asked: pure rules over the journal's
// view of the message and what the pool knows, each failing the message as retryable so the
// service can send it another way.
import type { MessageState } from '../journal/index.js';

/** What the rules need besides the message. */
export interface GiveUpContext {
  readonly now: number;
  /** Labels of the modems this agent has. */
  readonly configuredModems: readonly string[];
  /** The modem the message's first parts went to, when some did. */
  readonly pinned: string | undefined;
  /** Since when it has waited for `pinned`. */
  readonly waitingSince: number;
  readonly pinnedPatienceMs: number;
}

/** Why the message must fail now, or undefined when it may still be sent. */
export function reasonToGiveUp(message: MessageState, context: GiveUpContext): string | undefined {
  const { command } = message;
  // The service falls back to another route after sendBefore; a first part sent later would
  // race that fallback. Parts after the first must follow, or the recipient gets half a text.
  if (command.sendBefore !== null && message.submittedParts.length === 0 && Date.parse(command.sendBefore) <= context.now) {
    return `not started before its send-before time ${command.sendBefore}: the service has moved on`;
  }
  if (command.modems.length > 0 && !command.modems.some((label) => context.configuredModems.includes(label))) {
    return `none of the modems it may use (${command.modems.join(', ')}) is configured on this agent`;
  }
  if (context.pinned !== undefined && context.now - context.waitingSince >= context.pinnedPatienceMs) {
    return `part ${message.nextPart} waited ${Math.round(context.pinnedPatienceMs / 1000)} s for modem ${context.pinned}, which sent the parts before it`;
  }
  return undefined;
}

/** When {@link reasonToGiveUp} will next say so for a message still waiting, if ever. */
export function nextGiveUpAt(message: MessageState, context: GiveUpContext): number | undefined {
  const times: number[] = [];
  if (message.command.sendBefore !== null && message.submittedParts.length === 0) times.push(Date.parse(message.command.sendBefore));
  if (context.pinned !== undefined) times.push(context.waitingSince + context.pinnedPatienceMs);
  return times.length === 0 ? undefined : Math.min(...times);
}
