const enc = new TextEncoder();
const hex = (b: ArrayBuffer) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');

async function key(secret: string, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
}

/**
 * HMAC-SHA256 over `${timestamp}.${body}` as lowercase hex. Binding the timestamp lets a receiver
 * reject replays older than its tolerance; the header is `X-Signature: sha256=<hex>`.
 */
export async function signPayload(secret: string, timestamp: string, body: string): Promise<string> {
  return hex(await crypto.subtle.sign('HMAC', await key(secret, 'sign'), enc.encode(`${timestamp}.${body}`)));
}

/** What a receiver does: constant-time verify of the signature header, with a replay window. */
export async function verifySignature(secret: string, timestamp: string, body: string, header: string, nowSeconds: number, toleranceSeconds = 300): Promise<boolean> {
  if (!/^sha256=[0-9a-f]{64}$/.test(header)) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return false;
  const sig = new Uint8Array(header.slice(7).match(/../g)!.map((h) => parseInt(h, 16)));
  return crypto.subtle.verify('HMAC', await key(secret, 'verify'), sig, enc.encode(`${timestamp}.${body}`));
}
