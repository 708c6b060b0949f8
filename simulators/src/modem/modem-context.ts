/**
 * What a command handler may read and change in the modem it runs on. The emulator implements
 * it; handlers stay small functions of (command, modem) that return their information lines.
 */
import type { AtCommand } from './at-command-line.js';
import type { ModemBehaviour } from './modem-behaviour.js';
import type { NetworkRegistration } from './modem-network.js';
import type { NewMessageIndication, VendorProfile } from './modem-profile.js';
import type { SimCard } from './modem-sim.js';
import type { MessageStore } from './modem-storage.js';

/** Settings ATZ and AT&F put back (V.250 §6.1.1, 27.005 §3.1). */
export interface ModemSettings {
  echo: boolean;
  cmee: number;
  /** AT+CMGF: 0 PDU, 1 text. */
  messageFormat: number;
  indication: NewMessageIndication;
  /** AT+CREG=<n>: 0 no unsolicited +CREG, 1 with <stat>, 2 with location too. */
  registrationReports: number;
  /** AT+CSMS <service>. */
  messageService: number;
  /** AT+CPMS names as the host gave them; all map to the one SIM store. */
  storageNames: [string, string, string];
}

/** What stays over ATZ and reboots: it lives on the SIM or in the modem's flash. */
export interface ModemIdentity {
  readonly imei: string;
  readonly imsi: string;
  readonly operatorName: string;
  serviceCentre: string;
}

export interface ModemContext {
  readonly profile: VendorProfile;
  readonly identity: ModemIdentity;
  readonly settings: ModemSettings;
  readonly sim: SimCard;
  readonly network: NetworkRegistration;
  readonly store: MessageStore;
  readonly behaviour: ModemBehaviour;
  readonly radioOn: boolean;
  resetSettings(): void;
  setRadio(on: boolean): void;
  /** Answers OK, then goes deaf for `bootMs` and comes back with its boot chatter. */
  rebootAfterAnswer(): void;
  /** The SIM just became usable: chatter, registration. */
  simBecameReady(): void;
  /** The PDU stored at an index as a modem prints it: SMSC address included. */
  storedPduHex(hex: string, kind: 'deliver' | 'status-report'): string;
}

/** What a handler returns: information lines, or a request for the `> ` prompt (AT+CMGS). */
export type CommandOutcome = { readonly lines?: readonly string[] } | { readonly prompt: { readonly tpduLength: number } };

export type CommandHandler = (command: AtCommand, modem: ModemContext) => CommandOutcome;

export const DONE: CommandOutcome = {};
