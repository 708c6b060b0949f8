import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { assertEmailAddress, emailAddressProblem, emailDomain, maskEmailAddress } from './email-address.js';

describe('emailAddressProblem', () => {
  it.each(['jane@example.com', 'jane.doe+otp@mail.example.co.uk', "o'brien@example.ie", 'jörg@münchen.example', 'x@a-b.example'])('accepts %s', (address) => {
    expect(emailAddressProblem(address)).toBeUndefined();
  });

  it.each([
    { address: '', reason: 'nothing' },
    { address: 'jane', reason: 'no @' },
    { address: 'jane@localhost', reason: 'a domain without a dot' },
    { address: 'jane@example.com, eve@example.com', reason: 'a list' },
    { address: 'Jane <jane@example.com>', reason: 'a display name' },
    { address: '"jane doe"@example.com', reason: 'a quoted local part' },
    { address: 'jane..doe@example.com', reason: 'two dots in a row' },
    { address: '.jane@example.com', reason: 'a leading dot' },
    { address: 'jane@[192.0.2.1]', reason: 'an IP literal' },
    { address: 'jane@192.0.2.1', reason: 'a dotted IP' },
    { address: 'jane@-example.com', reason: 'a label starting with a hyphen' },
    { address: 'jane@example.com\r\nBcc: eve@example.com', reason: 'a line break' },
    { address: `${'a'.repeat(65)}@example.com`, reason: 'a local part over 64 bytes' },
    { address: `jane@${'a'.repeat(250)}.com`, reason: 'over 254 characters' },
  ])('refuses $reason', ({ address }) => {
    expect(emailAddressProblem(address)).toBeDefined();
  });

  it('never echoes the address', () => {
    expect(emailAddressProblem('secret-person@localhost')).not.toContain('secret-person');
  });
});

describe('assertEmailAddress', () => {
  it('names the field', () => {
    expect(() => { assertEmailAddress('nope', 'email'); }).toThrow(InvalidArgumentError);
    expect(() => { assertEmailAddress('nope', 'email'); }).toThrow(/^email: /);
  });
});

describe('emailDomain and maskEmailAddress', () => {
  it('read the domain and mask the mailbox', () => {
    expect(emailDomain('Jane@Example.COM')).toBe('example.com');
    expect(maskEmailAddress('jane.doe@example.com')).toBe('j***@example.com');
  });
});
