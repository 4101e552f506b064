/**
 * A strict quoted-printable reader for tests (RFC 2045 §6.7): it refuses anything a lenient
 * decoder would quietly accept (a line over 76 characters, a bare CR or LF, trailing
 * whitespace, an "=" that is neither an escape nor a soft break, a non-ASCII byte), and
 * decodes the rest to its exact bytes, hard line breaks as CRLF.
 */
export function decodeStrictQuotedPrintable(encoded: Buffer): Buffer {
  const text = encoded.toString('latin1');
  if (/[^\t\r\n\x20-\x7e]/.test(text)) throw new Error('quoted-printable holds a byte outside printable ASCII');
  if (/\r(?!\n)|(?<!\r)\n/.test(text)) throw new Error('quoted-printable holds a bare CR or LF');
  const lines = text.split('\r\n');
  const bytes: number[] = [];
  lines.forEach((line, index) => {
    if (line.length > 76) throw new Error(`line ${index + 1} has ${line.length} characters: ${JSON.stringify(line)}`);
    if (/[ \t]$/.test(line)) throw new Error(`line ${index + 1} ends in whitespace: ${JSON.stringify(line)}`);
    // An escape is "=" and two digits, so a line that ends in "=" ends in a soft break.
    const soft = line.endsWith('=');
    const content = soft ? line.slice(0, -1) : line;
    for (let i = 0; i < content.length; i += 1) {
      if (content[i] !== '=') {
        bytes.push(content.charCodeAt(i));
        continue;
      }
      const hex = content.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) throw new Error(`line ${index + 1}: "=" not followed by two hex digits: ${JSON.stringify(line)}`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    }
    const last = index === lines.length - 1;
    if (!soft && !last) bytes.push(0x0d, 0x0a);
  });
  return Buffer.from(bytes);
}

/** Every line of a quoted-printable text, without line ends. */
export function qpLines(encoded: Buffer): string[] {
  return encoded.toString('latin1').split('\r\n');
}
