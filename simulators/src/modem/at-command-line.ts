/**
 * A command line taken apart into its commands (V.250 §5.3-5.4): after `AT`, basic commands
 * (`E0`, `Z`, `&F`, `S0=0`) may follow one another directly; an extended command (`+CMGF=0`,
 * `^CURC=0`) runs to the next `;` outside quotes. Names are upper-cased, arguments kept as typed.
 */
import { AtCommandError } from './at-errors.js';

export type AtCommandForm = 'action' | 'set' | 'read' | 'test';

export interface AtCommand {
  /** `E`, `&F`, `S7`, `+CMGS`, `^CURC` … upper case. */
  readonly name: string;
  readonly form: AtCommandForm;
  /** The raw text after `=` (set) or the number after a basic command; '' when none. */
  readonly argument: string;
}

/** The commands of a line, or null when the line does not start with AT (a modem ignores it). */
export function parseCommandLine(line: string): AtCommand[] | null {
  const start = line.search(/at/i);
  if (start < 0) return null;
  const body = line.slice(start + 2);
  const commands: AtCommand[] = [];
  let at = 0;
  while (at < body.length) {
    const char = body.charAt(at);
    if (char === ' ' || char === ';') {
      at += 1;
      continue;
    }
    if (/[+^$%!*#]/.test(char)) {
      const end = extendedEnd(body, at);
      commands.push(extendedCommand(body.slice(at, end)));
      at = end;
      continue;
    }
    const basic = /^(&?[A-Z])(\d*)(=\d*|\?)?/i.exec(body.slice(at));
    if (basic === null) throw AtCommandError.syntax(`cannot read a command at ${JSON.stringify(body.slice(at))}`);
    const [whole, letters = '', digits = '', suffix] = basic;
    const name = letters.toUpperCase();
    if (name === 'S') {
      commands.push({ name: `S${digits}`, form: suffix === '?' ? 'read' : 'set', argument: suffix?.slice(1) ?? '' });
    } else if (name === 'D' || name === 'A') {
      // Dial and answer take the rest of the line; the emulator does no voice or data calls.
      commands.push({ name, form: 'action', argument: body.slice(at + 1) });
      break;
    } else {
      commands.push({ name, form: 'action', argument: digits });
    }
    at += whole.length;
  }
  return commands;
}

function extendedEnd(body: string, from: number): number {
  let quoted = false;
  for (let at = from; at < body.length; at += 1) {
    const char = body.charAt(at);
    if (char === '"') quoted = !quoted;
    else if (char === ';' && !quoted) return at;
  }
  return body.length;
}

function extendedCommand(text: string): AtCommand {
  const match = /^([+^$%!*#][A-Z0-9!%\-./:_]+)(=\?|=|\?)?(.*)$/is.exec(text.trim());
  if (match === null) throw AtCommandError.syntax(`cannot read the extended command ${JSON.stringify(text)}`);
  const [, rawName = '', operator, rest = ''] = match;
  const name = rawName.toUpperCase();
  if (operator === '=?') return { name, form: 'test', argument: '' };
  if (operator === '?') return { name, form: 'read', argument: '' };
  if (operator === '=') return { name, form: 'set', argument: rest.trim() };
  if (rest.trim() !== '') throw AtCommandError.syntax(`unexpected ${JSON.stringify(rest)} after ${name}`);
  return { name, form: 'action', argument: '' };
}

/** The comma-separated values of a set command, quotes removed; an empty value is undefined. */
export function parseArguments(argument: string): (string | undefined)[] {
  if (argument === '') return [];
  const values: (string | undefined)[] = [];
  let current = '';
  let quoted = false;
  let wasQuoted = false;
  for (const char of argument) {
    if (char === '"') {
      quoted = !quoted;
      wasQuoted = true;
    } else if (char === ',' && !quoted) {
      values.push(current.trim() === '' && !wasQuoted ? undefined : wasQuoted ? current : current.trim());
      current = '';
      wasQuoted = false;
    } else {
      current += char;
    }
  }
  if (quoted) throw AtCommandError.syntax('a quoted string is not closed');
  values.push(current.trim() === '' && !wasQuoted ? undefined : wasQuoted ? current : current.trim());
  return values;
}

/** An integer argument in [min, max]; `fallback` when it was left out. */
export function integerArgument(value: string | undefined, min: number, max: number, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw AtCommandError.syntax('a required number is missing');
    return fallback;
  }
  if (!/^\d+$/.test(value)) throw AtCommandError.syntax(`${JSON.stringify(value)} is not a number`);
  const number = Number(value);
  if (number < min || number > max) throw AtCommandError.syntax(`${number} is outside ${min}-${max}`);
  return number;
}
