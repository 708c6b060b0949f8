/**
 * bind_transmitter, bind_receiver and bind_transceiver (SMPP 3.4 §4.1): credentials per account,
 * one bind per session, `failBinds` and `maxBindsPerSystemId`; a receiving bind gets the receipts
 * kept for its account.
 */
import { BodyWriter, TlvTag, decodeBind, encodeResponse, u8Tlv, type RawPdu } from './smsc-pdu.js';
import type { ReceiptSender } from './smsc-receipt-sender.js';
import type { SmscRuntime } from './smsc-runtime.js';
import type { BindMode, SimSession, SmscSessions } from './smsc-sessions.js';
import { SmscStatus } from './smsc-status.js';

const BIND_MODES: Readonly<Record<string, BindMode>> = {
  bind_transceiver: 'transceiver',
  bind_transmitter: 'transmitter',
  bind_receiver: 'receiver',
};

const SMSC_SYSTEM_ID = 'SwitchboardSMSC';
const SMPP_VERSION_34 = 0x34;

/** The bind mode a command asks for; undefined when it is no bind. */
export function bindModeOf(command: string | undefined): BindMode | undefined {
  return command === undefined ? undefined : BIND_MODES[command];
}

/** Answers binds. */
export class BindHandler {
  readonly #runtime: SmscRuntime;
  readonly #sessions: SmscSessions;
  readonly #receipts: ReceiptSender;
  /** Password by system_id. */
  readonly #accounts: ReadonlyMap<string, string>;

  constructor(runtime: SmscRuntime, sessions: SmscSessions, receipts: ReceiptSender, accounts: ReadonlyMap<string, string>) {
    this.#runtime = runtime;
    this.#sessions = sessions;
    this.#receipts = receipts;
    this.#accounts = accounts;
  }

  /** Binds `session` as `mode`, or refuses with the §5.1.3 status that says why. */
  handle(session: SimSession, pdu: RawPdu, mode: BindMode): void {
    const body = decodeBind(pdu.body);
    // SMPP 3.4 §4.1: one bind per session; credentials checked before anything else, each with
    // its own §5.1.3 status so the ESME can tell a typo from an SMSC that cannot bind right now.
    const password = this.#accounts.get(body.systemId);
    const limit = this.#runtime.behaviour.maxBindsPerSystemId;
    let status: number;
    if (session.mode !== undefined) status = SmscStatus.ESME_RALYBND;
    else if (password === undefined) status = SmscStatus.ESME_RINVSYSID;
    else if (body.password !== password) status = SmscStatus.ESME_RINVPASWD;
    else status = this.#runtime.takeFailure('failBinds') ?? SmscStatus.ESME_ROK;
    if (status === SmscStatus.ESME_ROK && limit !== null && this.#sessions.boundAs(body.systemId).length >= limit) status = SmscStatus.ESME_RBINDFAIL;
    if (status !== SmscStatus.ESME_ROK) {
      this.#runtime.stats.bindsRefused += 1;
      this.#runtime.log.info({ session: session.id, command: pdu.command, status }, 'bind refused');
      this.#sessions.write(session, encodeResponse(pdu, status));
      return;
    }
    session.mode = mode;
    session.systemId = body.systemId;
    session.systemType = body.systemType;
    session.addressRange = body.addressRange;
    this.#runtime.stats.binds += 1;
    const response = new BodyWriter().cString(SMSC_SYSTEM_ID).tlv(TlvTag.sc_interface_version, u8Tlv(SMPP_VERSION_34)).toBuffer();
    this.#sessions.write(session, encodeResponse(pdu, 0, response));
    this.#runtime.log.info({ session: session.id, mode, systemId: body.systemId }, 'ESME bound');
    if (mode !== 'transmitter') this.#receipts.flush(body.systemId);
  }
}
