import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../src/net/charset.ts';

describe('decodeBody', () => {
  const text = 'Ça coûte 5 € – “ok”';
  it.each([
    [
      'BOM beats the header',
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
      'text/html; charset=windows-1252',
      'utf-8',
    ],
    ['header', iconv.encode(text, 'windows-1252'), 'text/html; charset=windows-1252', 'windows-1252'],
    [
      'latin1 label means windows-1252',
      iconv.encode(text, 'windows-1252'),
      'text/html; charset=ISO-8859-1',
      'windows-1252',
    ],
    [
      'meta',
      iconv.encode(`<meta charset="windows-1252">${text}`, 'windows-1252'),
      'text/html',
      'windows-1252',
    ],
    [
      'http-equiv meta',
      iconv.encode(
        `<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">${text}`,
        'windows-1252',
      ),
      undefined,
      'windows-1252',
    ],
    ['unknown header label falls through', Buffer.from(text), 'text/html; charset=klingon', 'utf-8'],
    [
      'UTF-8 claim the bytes disprove',
      iconv.encode(text, 'windows-1252'),
      'text/html; charset=utf-8',
      'windows-1252',
    ],
    ['nothing declared, valid UTF-8', Buffer.from(text), undefined, 'utf-8'],
    ['nothing declared, not UTF-8', iconv.encode(text, 'windows-1252'), undefined, 'windows-1252'],
  ])('%s', (_name, bytes, contentType, charset) => {
    const decoded = decodeBody(bytes, contentType);
    expect(decoded.charset).toBe(charset);
    expect(decoded.text).toContain(text);
  });

  it('decodes Shift_JIS from the header or the XML declaration', () => {
    const japanese = '東京で「平和」を考える';
    expect(decodeBody(iconv.encode(japanese, 'shift_jis'), 'text/html; charset=Shift_JIS').text).toBe(
      japanese,
    );
    const xml = iconv.encode(`<?xml version="1.0" encoding="Shift_JIS"?><t>${japanese}</t>`, 'shift_jis');
    expect(decodeBody(xml, 'application/xml').text).toContain(japanese);
  });
});
