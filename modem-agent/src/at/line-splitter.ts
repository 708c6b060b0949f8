// Cuts modem output into lines however the serial port chunks it. Lines end with CR LF in
// verbose mode (V.250), but an echoed command ends with CR alone and some firmware ends lines
// with LF alone, so either ends a line and empty lines are dropped. The PDU prompt `> ` ends
// with no line end at all (27.005 §3.5.1): it is recognised as soon as its `>` opens a line.

/** A piece of modem output. */
export type OutputFragment = { readonly kind: 'line'; readonly text: string } | { readonly kind: 'prompt' };

const PROMPT = '>';

/** Accumulates chunks into lines and prompts; keeps a partial line until its end arrives. */
export class LineSplitter {
  #line = '';

  /** Splits a chunk, joining it to whatever partial line the previous chunk left. */
  push(chunk: string): OutputFragment[] {
    const fragments: OutputFragment[] = [];
    for (const char of chunk) {
      if (char === '\r' || char === '\n') {
        this.#endLine(fragments);
      } else if (char === PROMPT && this.#line === '') {
        // The prompt's space opens the next line (the PDU echo, with ATE1) and is trimmed there.
        fragments.push({ kind: 'prompt' });
      } else if (char >= ' ') {
        // Other control characters are noise here: NULs at power-up, a Ctrl-Z echoed after a PDU.
        this.#line += char;
      }
    }
    return fragments;
  }

  #endLine(fragments: OutputFragment[]): void {
    const text = this.#line.trim();
    this.#line = '';
    if (text !== '') fragments.push({ kind: 'line', text });
  }
}
