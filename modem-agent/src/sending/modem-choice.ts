// Which modem takes the next message: a pure decision over what the pool knows of each modem,
// so the rule is tested without a serial port. The modem with the most room left in its
// per-minute budget wins, which spreads a queue over every modem that may take it.

/** What the choice needs to know of one modem. */
export interface ModemCandidate {
  readonly label: string;
  /** Ready, not quarantined and not sending a part now. */
  readonly available: boolean;
  readonly sentLastMinute: number;
  readonly maxPerMinute: number;
}

/**
 * The label of the modem to use, or undefined when none may take the message now.
 *
 * @param allowed the command's `modems`: empty means any.
 * @param pinned a modem the message must stay on (it already sent parts there).
 */
export function chooseModem(candidates: readonly ModemCandidate[], allowed: readonly string[], pinned?: string): string | undefined {
  let best: ModemCandidate | undefined;
  let bestRoom = 0;
  for (const candidate of candidates) {
    if (!candidate.available) continue;
    if (pinned !== undefined && candidate.label !== pinned) continue;
    if (allowed.length > 0 && !allowed.includes(candidate.label)) continue;
    const room = candidate.maxPerMinute - candidate.sentLastMinute;
    // Strictly more room: on a tie the earlier modem in config order keeps it.
    if (room > bestRoom) {
      best = candidate;
      bestRoom = room;
    }
  }
  return best?.label;
}

/** Whether a modem is among those a command allows. */
export function mayUse(label: string, allowed: readonly string[]): boolean {
  return allowed.length === 0 || allowed.includes(label);
}
