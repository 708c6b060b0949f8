import { describe, expect, it } from 'vitest';
import { spellDigits, voiceDocument } from './voice-documents.js';

describe('voice documents', () => {
  it('writes TwiML that says the text twice after a pause', () => {
    expect(voiceDocument('twiml', { text: 'Your code is 4821', language: 'en-GB' })).toEqual({
      contentType: 'text/xml; charset=utf-8',
      body: '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Pause length="1"/><Say language="en-GB" loop="2">Your code is 4, 8, 2, 1</Say></Response>',
    });
  });

  it('writes Plivo XML with Speak', () => {
    const document = voiceDocument('plivo', { text: 'Code 123', repeat: 3 });
    expect(document.contentType).toBe('application/xml; charset=utf-8');
    expect(document.body).toContain('<Wait length="1"/><Speak loop="3">Code 1, 2, 3</Speak>');
  });

  it('escapes text and attributes so a message cannot inject verbs', () => {
    const document = voiceDocument('twiml', { text: '</Say><Dial>+1900</Dial>', language: 'en"x' });
    expect(document.body).toContain('&lt;/Say&gt;&lt;Dial&gt;+1, 9, 0, 0&lt;/Dial&gt;');
    expect(document.body).toContain('language="en&quot;x"');
  });

  it('spells only runs of three or more digits', () => {
    expect(spellDigits('Room 12, code 987')).toBe('Room 12, code 9, 8, 7');
  });
});
