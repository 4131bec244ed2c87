/** What each page's client module provides to main.tsx. */
export interface PageModule {
  /** Attaches the handlers to the server-rendered page; called once. */
  mount(): void;
  /** (Re)loads every section from the API with the current key. */
  load(): void;
}

let timers: ReturnType<typeof setInterval>[] = [];

/** Runs `fn` now and every `ms` until the key is forgotten or the page reloads. */
export function poll(fn: () => void, ms: number): void {
  fn();
  timers.push(setInterval(fn, ms));
}

export function stopPolls(): void {
  for (const t of timers) clearInterval(t);
  timers = [];
}
