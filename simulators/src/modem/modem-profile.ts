/**
 * What sets one vendor's modem apart from another's in what the host sees: identification, the
 * chatter after power-up, where status reports go and how their PDU starts. One entry per vendor;
 * adding one means adding an entry here and nothing else.
 */

/** AT+CNMI settings (27.005 §3.4.1): mode, mt (SMS-DELIVER), bm (cell broadcast), ds (status reports), bfr. */
export interface NewMessageIndication {
  readonly mode: number;
  readonly mt: number;
  readonly bm: number;
  readonly ds: number;
  readonly bfr: number;
}

export interface VendorProfile {
  readonly id: string;
  readonly manufacturer: string;
  readonly model: string;
  readonly revision: string;
  /** What ATI prints. */
  readonly information: readonly string[];
  /** Lines a powered-up modem says first; `+CPIN: SIM PIN` follows when the SIM is locked. */
  readonly bootChatter: readonly string[];
  /** Lines once the SIM is usable: at boot without a PIN, or after the PIN was entered. */
  readonly simReadyChatter: readonly string[];
  /** CNMI after power-up and ATZ. */
  readonly defaultIndication: NewMessageIndication;
  /**
   * `cnmi` routes status reports as AT+CNMI's ds says; `store` always stores them and says
   * +CDSI, as Huawei sticks do whatever ds was set to.
   */
  readonly statusReportRouting: 'cnmi' | 'store';
  /** Whether the PDU of +CDS and of stored reports starts with the SMSC address (27.005 `<pdu>`) or goes straight to the TPDU. */
  readonly statusReportWithServiceCentre: boolean;
}

export const VENDOR_PROFILES = {
  simcom: {
    id: 'simcom',
    manufacturer: 'SIMCOM_Ltd',
    model: 'SIMCOM_SIM800L',
    revision: 'Revision:1418B05SIM800L24',
    information: ['SIM800 R14.18'],
    bootChatter: ['RDY', '+CFUN: 1'],
    simReadyChatter: ['+CPIN: READY', 'Call Ready', 'SMS Ready'],
    defaultIndication: { mode: 1, mt: 1, bm: 0, ds: 0, bfr: 0 },
    statusReportRouting: 'cnmi',
    statusReportWithServiceCentre: false,
  },
  quectel: {
    id: 'quectel',
    manufacturer: 'Quectel',
    model: 'EC25',
    revision: 'EC25EFAR06A06M4G',
    information: ['Quectel', 'EC25', 'Revision: EC25EFAR06A06M4G'],
    bootChatter: ['RDY', '+CFUN: 1'],
    simReadyChatter: ['+CPIN: READY', '+QUSIM: 1', '+QIND: SMS DONE', '+QIND: PB DONE'],
    defaultIndication: { mode: 2, mt: 1, bm: 0, ds: 0, bfr: 0 },
    statusReportRouting: 'cnmi',
    statusReportWithServiceCentre: true,
  },
  huawei: {
    id: 'huawei',
    manufacturer: 'huawei',
    model: 'E3372',
    revision: '21.180.01.00.00',
    information: ['Manufacturer: huawei', 'Model: E3372', 'Revision: 21.180.01.00.00'],
    bootChatter: ['^SYSSTART'],
    simReadyChatter: ['^SIMST: 1', '^SRVST: 2'],
    defaultIndication: { mode: 2, mt: 1, bm: 0, ds: 2, bfr: 0 },
    statusReportRouting: 'store',
    statusReportWithServiceCentre: true,
  },
} as const satisfies Record<string, VendorProfile>;

export type VendorId = keyof typeof VENDOR_PROFILES;

export const VENDOR_IDS = Object.keys(VENDOR_PROFILES) as VendorId[];
