/**
 * A trie over the digits 0–9, for E.164 prefixes. Nodes live in one typed array (ten child slots
 * per node) rather than an object per node: 100,000 prefixes stay a few megabytes and a lookup is
 * a handful of array reads, which keeps a routing decision in the microseconds.
 */

const DIGIT_0 = 48;
const NO_NODE = 0; // node 0 is the root, so it can never be a child: 0 means "no child"
const NO_VALUE = -1;

/** Digit-prefix map with longest-prefix and all-prefixes lookups. */
export class PrefixTrie<T> {
  #children = new Int32Array(10 * 64);
  #valueIndex = new Int32Array(64).fill(NO_VALUE);
  #values: T[] = [];
  #nodes = 1;

  /** Number of prefixes stored. */
  get size(): number {
    return this.#values.length;
  }

  /** Stores `value` under `prefix` (digits only), replacing an earlier value for the same prefix. */
  set(prefix: string, value: T): void {
    let node = 0;
    for (let i = 0; i < prefix.length; i++) {
      const digit = prefix.charCodeAt(i) - DIGIT_0;
      if (digit < 0 || digit > 9) throw new RangeError(`prefix "${prefix}" holds a non-digit`);
      const slot = node * 10 + digit;
      let child = this.#children[slot] ?? NO_NODE;
      if (child === NO_NODE) {
        child = this.#allocate();
        this.#children[slot] = child;
      }
      node = child;
    }
    const existing = this.#valueIndex[node] ?? NO_VALUE;
    if (existing === NO_VALUE) {
      this.#valueIndex[node] = this.#values.length;
      this.#values.push(value);
    } else {
      this.#values[existing] = value;
    }
  }

  /** The value stored under exactly `prefix`. */
  get(prefix: string): T | undefined {
    let node = 0;
    for (let i = 0; i < prefix.length; i++) {
      node = this.#child(node, prefix.charCodeAt(i));
      if (node === NO_NODE) return undefined;
    }
    return this.#valueAt(node);
  }

  /** The value of the longest stored prefix of `digits[start..]`; stops at the first non-digit. */
  longestMatch(digits: string, start = 0): T | undefined {
    let found = this.#valueAt(0);
    let node = 0;
    for (let i = start; i < digits.length; i++) {
      node = this.#child(node, digits.charCodeAt(i));
      if (node === NO_NODE) break;
      const value = this.#valueAt(node);
      if (value !== undefined) found = value;
    }
    return found;
  }

  /**
   * Calls `visit` with the value of every stored prefix of `digits[start..]`, shortest first, until
   * `visit` returns `true`.
   */
  forEachMatch(digits: string, start: number, visit: (value: T) => boolean): void {
    let node = 0;
    let value = this.#valueAt(0);
    if (value !== undefined && visit(value)) return;
    for (let i = start; i < digits.length; i++) {
      node = this.#child(node, digits.charCodeAt(i));
      if (node === NO_NODE) return;
      value = this.#valueAt(node);
      if (value !== undefined && visit(value)) return;
    }
  }

  #child(node: number, charCode: number): number {
    const digit = charCode - DIGIT_0;
    if (digit < 0 || digit > 9) return NO_NODE;
    return this.#children[node * 10 + digit] ?? NO_NODE;
  }

  #valueAt(node: number): T | undefined {
    const index = this.#valueIndex[node] ?? NO_VALUE;
    return index === NO_VALUE ? undefined : this.#values[index];
  }

  #allocate(): number {
    const node = this.#nodes++;
    if (node >= this.#valueIndex.length) {
      const children = new Int32Array(this.#children.length * 2);
      children.set(this.#children);
      this.#children = children;
      const valueIndex = new Int32Array(this.#valueIndex.length * 2).fill(NO_VALUE);
      valueIndex.set(this.#valueIndex);
      this.#valueIndex = valueIndex;
    }
    return node;
  }
}
