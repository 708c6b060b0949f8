// The link's public face: what the agent's entry point wires up.
export { AgentLink } from './agent-link.js';
export type { AgentLinkOptions, LinkJournal } from './agent-link.js';
export type { LinkLogger, LogFields } from './link.logger.js';
export type { BackoffOptions } from './reconnect.policy.js';
export type { KeepaliveOptions } from './channel.credentials.js';
