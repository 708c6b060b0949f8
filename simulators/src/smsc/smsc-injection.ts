/**
 * Hostile traffic an SMSC (or whatever sits between it and the ESME) can produce, as named
 * scenarios. An ESME must survive each: answer what it can (generic_nack, SMPP 3.4 §4.3), drop the
 * connection when the stream cannot be framed any more, and never crash.
 */
import { BodyWriter, CommandId, encodePdu } from './smsc-pdu.js';
import { SmscStatus } from './smsc-status.js';
import type { Random } from './smsc-flow.js';

/** Named malformed or unexpected PDUs. */
export const INJECTION_KINDS = [
  /** A deliver_sm header claiming command_length 8: shorter than the header itself. */
  'bad-length-short',
  /** A deliver_sm header claiming 2 GiB: an ESME must refuse rather than wait for it. */
  'bad-length-huge',
  /** A deliver_sm whose length is honest but whose body stops inside source_addr. */
  'truncated-body',
  /** 64 random octets. */
  'garbage',
  /** A well-formed header with a command_id nobody defined (§4.3: answer generic_nack ESME_RINVCMDID). */
  'unknown-command',
  /** A generic_nack for a request the ESME never sent. */
  'generic-nack',
  /** An unbind out of the blue (§4.2): the ESME answers unbind_resp and the SMSC closes the connection. */
  'unbind',
] as const;

/** One of `INJECTION_KINDS`. */
export type InjectionKind = (typeof INJECTION_KINDS)[number];

/** The octets of injection `kind` carrying `sequence`. */
export function injectionBytes(kind: InjectionKind, sequence: number, random: Random): Buffer {
  switch (kind) {
    case 'bad-length-short': {
      const bytes = encodePdu(CommandId.deliver_sm, 0, sequence);
      bytes.writeUInt32BE(8, 0);
      return bytes;
    }
    case 'bad-length-huge': {
      const bytes = encodePdu(CommandId.deliver_sm, 0, sequence);
      bytes.writeUInt32BE(0x7fffffff, 0);
      return bytes;
    }
    case 'truncated-body': {
      const body = new BodyWriter().cString('').u8(1).u8(1).octets(Buffer.from('4915112', 'latin1')).toBuffer();
      return encodePdu(CommandId.deliver_sm, 0, sequence, body);
    }
    case 'garbage':
      return Buffer.from(Array.from({ length: 64 }, () => Math.floor(random() * 256)));
    case 'unknown-command':
      return encodePdu(0x000000ee, 0, sequence);
    case 'generic-nack':
      return encodePdu(CommandId.generic_nack, SmscStatus.ESME_RINVCMDID, sequence);
    case 'unbind':
      return encodePdu(CommandId.unbind, 0, sequence);
  }
}

/** Whether the ESME is expected to answer on the same sequence number. */
export function expectsResponse(kind: InjectionKind): boolean {
  return kind !== 'generic-nack' && kind !== 'garbage';
}
