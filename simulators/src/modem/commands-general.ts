/** Identification, echo, errors, reset and power: V.250 §6, 27.007 §5, §8.2 and §9.1. */
import { integerArgument, parseArguments, type AtCommand } from './at-command-line.js';
import { AtCommandError } from './at-errors.js';
import { DONE, type CommandHandler, type CommandOutcome, type ModemContext } from './modem-context.js';

function actionOnly(command: AtCommand): void {
  if (command.form !== 'action') throw AtCommandError.syntax(`${command.name} takes no ${command.form} form`);
}

const identification =
  (pick: (modem: ModemContext) => string): CommandHandler =>
  (command, modem) => {
    if (command.form === 'test') return DONE;
    actionOnly(command);
    return { lines: [pick(modem)] };
  };

/** Basic commands accepted and ignored, as in common init strings (AT&C1, AT&D2, ATX4, AT&W). */
const accepted: CommandHandler = () => DONE;

function cmee(command: AtCommand, modem: ModemContext): CommandOutcome {
  if (command.form === 'read') return { lines: [`+CMEE: ${modem.settings.cmee}`] };
  if (command.form === 'test') return { lines: ['+CMEE: (0-2)'] };
  modem.settings.cmee = integerArgument(parseArguments(command.argument)[0], 0, 2, 0);
  return DONE;
}

function cfun(command: AtCommand, modem: ModemContext): CommandOutcome {
  if (command.form === 'read') return { lines: [`+CFUN: ${modem.radioOn ? 1 : 0}`] };
  if (command.form === 'test') return { lines: ['+CFUN: (0,1,4),(0-1)'] };
  if (command.form !== 'set') throw AtCommandError.syntax('AT+CFUN needs a value');
  const [funValue, resetValue] = parseArguments(command.argument);
  const fun = integerArgument(funValue, 0, 4);
  const reset = integerArgument(resetValue, 0, 1, 0);
  if (fun !== 0 && fun !== 1 && fun !== 4) throw AtCommandError.cme(4, `AT+CFUN=${fun} is not supported`);
  if (reset === 1) {
    if (fun !== 1) throw AtCommandError.cme(3, 'only AT+CFUN=1,1 resets');
    modem.rebootAfterAnswer();
    return DONE;
  }
  modem.setRadio(fun === 1);
  return DONE;
}

function cimi(command: AtCommand, modem: ModemContext): CommandOutcome {
  if (command.form === 'test') return DONE;
  actionOnly(command);
  const locked = modem.sim.lockedError('cme');
  if (locked) throw locked;
  return { lines: [modem.identity.imsi] };
}

export const GENERAL_COMMANDS: Readonly<Record<string, CommandHandler>> = {
  E: (command, modem) => {
    modem.settings.echo = integerArgument(command.argument || undefined, 0, 1, 0) === 1;
    return DONE;
  },
  Z: (command, modem) => {
    integerArgument(command.argument || undefined, 0, 0, 0);
    modem.resetSettings();
    return DONE;
  },
  '&F': (command, modem) => {
    integerArgument(command.argument || undefined, 0, 0, 0);
    modem.resetSettings();
    return DONE;
  },
  I: (command, modem) => ({ lines: modem.profile.information }),
  V: (command) => {
    // Numeric result codes (ATV0) are not emulated: the agent is expected to use verbose ones.
    if (integerArgument(command.argument || undefined, 0, 1, 0) === 0) throw AtCommandError.syntax('ATV0 (numeric results) is not emulated');
    return DONE;
  },
  Q: (command) => {
    if (integerArgument(command.argument || undefined, 0, 1, 0) === 1) throw AtCommandError.syntax('ATQ1 (quiet) is not emulated');
    return DONE;
  },
  '&C': accepted,
  '&D': accepted,
  '&W': accepted,
  X: accepted,
  S0: (command) => (command.form === 'read' ? { lines: ['000'] } : DONE),
  '+CGMI': identification((modem) => modem.profile.manufacturer),
  '+GMI': identification((modem) => modem.profile.manufacturer),
  '+CGMM': identification((modem) => modem.profile.model),
  '+GMM': identification((modem) => modem.profile.model),
  '+CGMR': identification((modem) => modem.profile.revision),
  '+GMR': identification((modem) => modem.profile.revision),
  '+CGSN': identification((modem) => modem.identity.imei),
  '+GSN': identification((modem) => modem.identity.imei),
  '+CIMI': cimi,
  '+CMEE': cmee,
  '+CFUN': cfun,
  '+CSCS': (command) => (command.form === 'read' ? { lines: ['+CSCS: "GSM"'] } : command.form === 'test' ? { lines: ['+CSCS: ("GSM","IRA","UCS2")'] } : DONE),
};
