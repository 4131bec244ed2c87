import { BUILTIN_MESSAGE_VARIABLES, type CampaignMessage } from '@vidplat/contracts';
import type { z } from 'zod';

type Message = z.infer<typeof CampaignMessage>;

const PLACEHOLDER = /\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g;

/** The variables a message uses, in order of first use. */
export function variablesOf(m: Pick<Message, 'title' | 'body'>): string[] {
  const out = new Set<string>();
  for (const text of [m.title, m.body]) for (const x of text.matchAll(PLACEHOLDER)) out.add(x[1]!);
  return [...out];
}

/** The first variable with neither a default nor a built-in value (every recipient must get a text). */
export function missingDefault(m: Message): string | null {
  return variablesOf(m).find((v) => !(BUILTIN_MESSAGE_VARIABLES as readonly string[]).includes(v) && m.defaults[v] === undefined) ?? null;
}

/** The text one recipient gets: the user's own values over the defaults, built-ins last. */
export function renderMessage(m: Message, userId: string, own: Record<string, string> | undefined): string {
  const values: Record<string, string> = { ...m.defaults, ...(own ?? {}), userId };
  const fill = (t: string) => t.replace(PLACEHOLDER, (_, name: string) => values[name] ?? '');
  return [fill(m.title), fill(m.body), m.link].filter(Boolean).join('\n');
}
