// The link's public face: what the agent's entry point wires up. In main.ts, after the journal
// is open and the sender built:
//
//   const link = new AgentLink({ config, journal, sender, logger, agentVersion });
//   sender's result listener = link.onResult;   // results it journals go out at once
//   link.start();
//   ...on SIGTERM: await link.stop(); then stop the sender; then await journal.close();
export { AgentLink } from './agent-link.js';
export type { AgentLinkOptions, LinkJournal } from './agent-link.js';
export type { LinkLogger, LogFields } from './link.logger.js';
export type { BackoffOptions } from './reconnect.policy.js';
export type { KeepaliveOptions } from './channel.credentials.js';
