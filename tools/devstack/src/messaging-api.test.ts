import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startMessagingApi, type MessagingApiServer } from './messaging-api.js';

let api: MessagingApiServer;
const TOKEN = 'local-channel-token';
beforeAll(async () => {
  api = await startMessagingApi({ token: TOKEN, quota: 1000 });
});
afterAll(() => api.close());

const multicast = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${api.url}/v2/bot/message/multicast`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
const text = (t: string) => [{ type: 'text', text: t }];

describe('local messaging API (LINE shapes)', () => {
  it('delivers a multicast once per retry key: the same key again is 409 with the accepted request id', async () => {
    const key = randomUUID();
    const first = await multicast({ to: ['u1', 'u2'], messages: text('hi') }, { 'x-line-retry-key': key });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({});
    const requestId = first.headers.get('x-line-request-id');
    expect(requestId).toBeTruthy();
    const again = await multicast({ to: ['u1', 'u2'], messages: text('hi') }, { 'x-line-retry-key': key });
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ message: 'The retry key is already accepted' });
    expect(again.headers.get('x-line-accepted-request-id')).toBe(requestId);
    expect(api.deliveries.filter((d) => d.retryKey === key)).toHaveLength(1);
    const usage = await (await fetch(`${api.url}/v2/bot/message/quota/consumption`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    expect(usage).toEqual({ totalUsage: 2 });
  });

  it('validates like the API: {message, details[{message, property}]}, 401 without the token, retry key must be a UUID', async () => {
    const tooMany = await multicast({ to: Array.from({ length: 501 }, (_, i) => `u${i}`), messages: [{ type: 'txt' }] });
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toEqual({
      message: 'The request body has 2 error(s)',
      details: [
        { message: 'Size must be between 1 and 500', property: 'to' },
        { message: expect.stringMatching(/^Must be one of the following values/), property: 'messages[0].type' },
      ],
    });
    const noAuth = await fetch(`${api.url}/v2/bot/message/quota`);
    expect(noAuth.status).toBe(401);
    expect(((await noAuth.json()) as { message: string }).message).toMatch(/^Authentication failed/);
    const badKey = await multicast({ to: ['u1'], messages: text('x') }, { 'x-line-retry-key': 'not-a-uuid' });
    expect(badKey.status).toBe(400);
  });

  it('reports the quota and refuses sends beyond it with 429', async () => {
    const q = await (await fetch(`${api.url}/v2/bot/message/quota`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    expect(q).toEqual({ type: 'limited', value: 1000 });
    const before = api.deliveries.length;
    const over = await multicast({ to: Array.from({ length: 500 }, (_, i) => `q${i}`), messages: text('x') });
    expect(over.status).toBe(200);
    const beyond = await multicast({ to: Array.from({ length: 500 }, (_, i) => `r${i}`), messages: text('x') });
    expect(beyond.status).toBe(429);
    expect(await beyond.json()).toEqual({ message: 'You have reached your monthly limit.' });
    expect(api.deliveries.length).toBe(before + 1);
  });
});
