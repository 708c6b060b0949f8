import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts secrets at rest (message texts holding live codes, provider credentials) with
 * AES-256-GCM. The output is `v1.<iv>.<tag>.<ciphertext>` in base64url, so the format can change
 * later without guessing. `context` is bound as associated data: a ciphertext copied to another
 * row (another context) fails to decrypt instead of revealing someone else's secret.
 */
export class SecretBox {
  // A KeyObject, made once: handing the raw key to every cipher costs more than the encryption.
  readonly #key: KeyObject;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new RangeError('SecretBox needs a 32-byte key');
    this.#key = createSecretKey(key);
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
  }

  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    const [version, ivText, tagText, ciphertext] = parts;
    if (parts.length !== 4 || version !== VERSION || ivText === undefined || tagText === undefined || ciphertext === undefined) {
      throw new Error('not a SecretBox ciphertext');
    }
    const iv = Buffer.from(ivText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    // A shortened GCM tag would still verify (and a 4-byte one can be forged): insist on 16 bytes.
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('not a SecretBox ciphertext');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }
}
