/** SIM lock, registration, operator and signal: 27.007 §8.3, §7.2, §7.3, §8.5. */
import { integerArgument, parseArguments } from './at-command-line.js';
import { AtCommandError } from './at-errors.js';
import { DONE, type CommandHandler, type ModemContext } from './modem-context.js';

/** A made-up cell of the emulated network, given with AT+CREG=2. */
const LOCATION = '"1A2B","0001C3D4"';

/** The +CREG line for `status` under the host's AT+CREG setting (27.007 §7.2). */
export function registrationLine(modem: ModemContext, withMode: boolean): string {
  const status = modem.network.status;
  const location = modem.settings.registrationReports === 2 && modem.network.registered ? `,${LOCATION}` : '';
  return withMode ? `+CREG: ${modem.settings.registrationReports},${status}${location}` : `+CREG: ${status}${location}`;
}

const cpin: CommandHandler = (command, modem) => {
  if (command.form === 'read') return { lines: [`+CPIN: ${modem.sim.state === 'BLOCKED' ? 'SIM PUK' : modem.sim.state}`] };
  if (command.form === 'test') return DONE;
  if (command.form !== 'set') throw AtCommandError.syntax('AT+CPIN needs a PIN');
  const [code, newPin] = parseArguments(command.argument);
  if (code === undefined || !/^\d{4,8}$/.test(code) || (newPin !== undefined && !/^\d{4,8}$/.test(newPin))) {
    throw AtCommandError.syntax('a PIN is 4 to 8 digits');
  }
  if (modem.sim.enter(code, newPin)) modem.simBecameReady();
  return DONE;
};

const creg: CommandHandler = (command, modem) => {
  if (command.form === 'read') return { lines: [registrationLine(modem, true)] };
  if (command.form === 'test') return { lines: ['+CREG: (0-2)'] };
  modem.settings.registrationReports = integerArgument(parseArguments(command.argument)[0], 0, 2, 0);
  return DONE;
};

const cops: CommandHandler = (command, modem) => {
  if (command.form === 'read') return { lines: [modem.network.registered ? `+COPS: 0,0,"${modem.identity.operatorName}"` : '+COPS: 0'] };
  if (command.form === 'test') return { lines: [`+COPS: (2,"${modem.identity.operatorName}","${modem.identity.operatorName}","${modem.identity.imsi.slice(0, 5)}"),,(0-4),(0-2)`] };
  if (command.form === 'set') {
    // Only automatic selection (0) and setting the name format (3) are emulated.
    const mode = integerArgument(parseArguments(command.argument)[0], 0, 4, 0);
    if (mode !== 0 && mode !== 3) throw AtCommandError.cme(4, 'manual operator selection is not emulated');
  }
  return DONE;
};

const csq: CommandHandler = (command, modem) => {
  if (command.form === 'test') return { lines: ['+CSQ: (0-31,99),(99)'] };
  if (command.form !== 'action') throw AtCommandError.syntax('AT+CSQ has only its action form');
  const rssi = modem.radioOn ? modem.behaviour.signalQuality : 99;
  return { lines: [`+CSQ: ${rssi},99`] };
};

export const NETWORK_COMMANDS: Readonly<Record<string, CommandHandler>> = {
  '+CPIN': cpin,
  '+CREG': creg,
  '+COPS': cops,
  '+CSQ': csq,
};
