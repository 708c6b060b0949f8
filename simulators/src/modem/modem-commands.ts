/** Every command the emulated modem knows, by name; anything else answers ERROR. */
import { GENERAL_COMMANDS } from './commands-general.js';
import { NETWORK_COMMANDS } from './commands-network.js';
import { SMS_COMMANDS } from './commands-sms.js';
import type { CommandHandler } from './modem-context.js';

export const MODEM_COMMANDS: ReadonlyMap<string, CommandHandler> = new Map(Object.entries({ ...GENERAL_COMMANDS, ...NETWORK_COMMANDS, ...SMS_COMMANDS }));
