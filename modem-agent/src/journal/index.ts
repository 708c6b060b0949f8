// The journal's public face: what the agent's entry point and its workers import.
export { Journal } from './journal.js';
export type {
  AppendableRecord,
  AppendOutcome,
  JournalOptions,
  JournalRecovery,
  JournalStats,
} from './journal.js';
export type { MessageState, MessageStatus } from './journal.state.js';
export type * from './journal.records.js';
export { isResult } from './journal.records.js';
export {
  JournalCorruptError,
  JournalError,
  JournalFormatError,
  JournalRuleError,
  JournalUnavailableError,
} from './journal.errors.js';
