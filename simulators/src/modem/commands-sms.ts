/**
 * Short message commands of 3GPP 27.005 in PDU mode: format, service, storage, indications,
 * listing, reading, deleting and the first half of AT+CMGS (the emulator takes the PDU after the
 * prompt). Text mode can be selected but no text-mode message command is emulated: they answer
 * +CMS ERROR: 302, so an agent that forgot AT+CMGF=0 fails loudly.
 */
import { integerArgument, parseArguments, type AtCommand } from './at-command-line.js';
import { AtCommandError } from './at-errors.js';
import { DONE, type CommandHandler, type CommandOutcome, type ModemContext } from './modem-context.js';
import type { StoredMessage } from './modem-storage.js';

const STORAGES = ['SM', 'ME', 'MT'];
/** 23.040 §9.2.2.2: the longest SMS-SUBMIT TPDU. */
const MAX_TPDU = 164;

function requireSim(modem: ModemContext): void {
  const locked = modem.sim.lockedError('cms');
  if (locked) throw locked;
}

function requirePduMode(modem: ModemContext, command: AtCommand): void {
  if (modem.settings.messageFormat !== 0) throw AtCommandError.cms(302, `${command.name} is emulated in PDU mode only (AT+CMGF=0)`);
}

function storedLines(message: StoredMessage, modem: ModemContext, prefix: string): string[] {
  return [`${prefix}${message.status},,${message.pdu.tpduLength}`, modem.storedPduHex(message.pdu.hex, message.kind)];
}

const cmgf: CommandHandler = (command, modem) => {
  if (command.form === 'read') return { lines: [`+CMGF: ${modem.settings.messageFormat}`] };
  if (command.form === 'test') return { lines: ['+CMGF: (0,1)'] };
  modem.settings.messageFormat = integerArgument(parseArguments(command.argument)[0], 0, 1, 0);
  return DONE;
};

const csms: CommandHandler = (command, modem) => {
  if (command.form === 'read') return { lines: [`+CSMS: ${modem.settings.messageService},1,1,1`] };
  if (command.form === 'test') return { lines: ['+CSMS: (0,1)'] };
  modem.settings.messageService = integerArgument(parseArguments(command.argument)[0], 0, 1);
  return { lines: ['+CSMS: 1,1,1'] };
};

const cpms: CommandHandler = (command, modem) => {
  const { used, capacity } = modem.store;
  if (command.form === 'test') return { lines: ['+CPMS: ("SM","ME","MT"),("SM","ME","MT"),("SM","ME","MT")'] };
  requireSim(modem);
  if (command.form === 'read') {
    return { lines: [`+CPMS: ${modem.settings.storageNames.map((name) => `"${name}",${used},${capacity}`).join(',')}`] };
  }
  const names = parseArguments(command.argument);
  if (names.length === 0 || names.length > 3) throw AtCommandError.syntax('AT+CPMS takes one to three storages');
  const chosen = [...modem.settings.storageNames] as [string, string, string];
  names.forEach((name, at) => {
    if (name === undefined) return;
    if (!STORAGES.includes(name.toUpperCase())) throw AtCommandError.cms(302, `storage ${JSON.stringify(name)} is not emulated`);
    chosen[at] = name.toUpperCase();
  });
  modem.settings.storageNames = chosen;
  return { lines: [`+CPMS: ${chosen.map(() => `${used},${capacity}`).join(',')}`] };
};

const csca: CommandHandler = (command, modem) => {
  if (command.form === 'test') return DONE;
  requireSim(modem);
  const { serviceCentre } = modem.identity;
  if (command.form === 'read') return { lines: [`+CSCA: "${serviceCentre}",${serviceCentre.startsWith('+') ? 145 : 129}`] };
  const [address] = parseArguments(command.argument);
  if (address === undefined || !/^\+?\d{1,20}$/.test(address)) throw AtCommandError.syntax('AT+CSCA takes a number');
  modem.identity.serviceCentre = address;
  return DONE;
};

const INDICATION_LIMITS = [3, 3, 3, 2, 1] as const;

const cnmi: CommandHandler = (command, modem) => {
  const current = modem.settings.indication;
  if (command.form === 'read') return { lines: [`+CNMI: ${current.mode},${current.mt},${current.bm},${current.ds},${current.bfr}`] };
  if (command.form === 'test') return { lines: ['+CNMI: (0-3),(0-3),(0-3),(0-2),(0,1)'] };
  const values = parseArguments(command.argument);
  if (values.length > 5) throw AtCommandError.syntax('AT+CNMI takes at most five values');
  const [mode, mt, bm, ds, bfr] = INDICATION_LIMITS.map((max, at) => {
    const fallback = [current.mode, current.mt, current.bm, current.ds, current.bfr][at] ?? 0;
    return integerArgument(values[at], 0, max, fallback);
  });
  modem.settings.indication = { mode: mode ?? 0, mt: mt ?? 0, bm: bm ?? 0, ds: ds ?? 0, bfr: bfr ?? 0 };
  return DONE;
};

const cmgl: CommandHandler = (command, modem) => {
  if (command.form === 'test') return { lines: ['+CMGL: (0-4)'] };
  requirePduMode(modem, command);
  requireSim(modem);
  const argument = parseArguments(command.argument)[0];
  const status = integerArgument(argument, 0, 4, 0);
  if (status === 2 || status === 3) return DONE; // STO UNSENT / STO SENT: nothing stored by the emulator.
  const listed = modem.store.list(status === 4 ? 4 : (status as 0 | 1));
  return { lines: listed.flatMap((message) => storedLines(message, modem, `+CMGL: ${message.index},`)) };
};

function indexArgument(value: string | undefined, modem: ModemContext): number {
  if (value === undefined || !/^\d+$/.test(value)) throw AtCommandError.syntax('a message index is needed');
  const index = Number(value);
  if (index < 1 || index > modem.store.capacity) throw AtCommandError.cms(321);
  return index;
}

const cmgr: CommandHandler = (command, modem) => {
  if (command.form === 'test') return DONE;
  if (command.form !== 'set') throw AtCommandError.syntax('AT+CMGR needs an index');
  requirePduMode(modem, command);
  requireSim(modem);
  const message = modem.store.read(indexArgument(parseArguments(command.argument)[0], modem));
  if (message === undefined) throw AtCommandError.cms(321, 'nothing stored at that index');
  return { lines: storedLines(message, modem, '+CMGR: ') };
};

const cmgd: CommandHandler = (command, modem) => {
  requireSim(modem);
  if (command.form === 'test') return { lines: [`+CMGD: (${modem.store.indices().join(',')}),(0-4)`] };
  if (command.form !== 'set') throw AtCommandError.syntax('AT+CMGD needs an index');
  const [indexValue, flagValue] = parseArguments(command.argument);
  const flag = integerArgument(flagValue, 0, 4, 0);
  // With a flag above 0 the index is ignored (27.005 §3.5.4), but must still be a number.
  const index = flag === 0 ? indexArgument(indexValue, modem) : integerArgument(indexValue, 0, 65_535, 0);
  modem.store.delete(index, flag);
  return DONE;
};

function cmgs(command: AtCommand, modem: ModemContext): CommandOutcome {
  if (command.form === 'test') return DONE;
  if (command.form !== 'set') throw AtCommandError.syntax('AT+CMGS needs a length');
  requirePduMode(modem, command);
  requireSim(modem);
  const [length] = parseArguments(command.argument);
  const tpduLength = integerArgument(length, 1, MAX_TPDU);
  return { prompt: { tpduLength } };
}

export const SMS_COMMANDS: Readonly<Record<string, CommandHandler>> = {
  '+CMGF': cmgf,
  '+CSMS': csms,
  '+CPMS': cpms,
  '+CSCA': csca,
  '+CNMI': cnmi,
  '+CNMA': () => DONE,
  '+CMGL': cmgl,
  '+CMGR': cmgr,
  '+CMGD': cmgd,
  '+CMGS': cmgs,
};
