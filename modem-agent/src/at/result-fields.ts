// The parameters after `+NAME: ` in information text and URCs (V.250 §5.7.2): comma-separated,
// strings in double quotes, which may contain commas.

/** One parameter: its text without quotes, and whether it was quoted. */
export interface ResultField {
  readonly value: string;
  readonly quoted: boolean;
}

/** Splits the part of a line after its `+NAME:` into fields; empty fields stay (`+CMT: ,24`). */
export function splitResultFields(text: string): ResultField[] {
  const fields: ResultField[] = [];
  let value = '';
  let quoted = false;
  let inQuotes = false;
  for (const char of text) {
    if (char === '"') {
      inQuotes = !inQuotes;
      quoted = true;
    } else if (char === ',' && !inQuotes) {
      fields.push({ value: quoted ? value : value.trim(), quoted });
      value = '';
      quoted = false;
    } else {
      value += char;
    }
  }
  fields.push({ value: quoted ? value : value.trim(), quoted });
  return fields;
}

/** The field as a non-negative integer, or undefined when it is not one. */
export function integerField(field: ResultField | undefined): number | undefined {
  if (field === undefined || field.quoted || !/^\d+$/.test(field.value)) return undefined;
  return Number(field.value);
}

/** What follows the name and colon. */
export function resultParameters(line: string): string {
  return line.slice(line.indexOf(':') + 1).trim();
}
