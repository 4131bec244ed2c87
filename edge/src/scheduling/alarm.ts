/**
 * The one rule every scheduling Durable Object follows: its single alarm is set to the earliest
 * due time it knows (or cleared when nothing is due), and left alone when already right so a
 * re-arm inside the alarm handler costs no storage write.
 */
export async function armAlarmAt(storage: DurableObjectStorage, next: number | null): Promise<void> {
  const current = await storage.getAlarm();
  if (next === null) {
    if (current !== null) await storage.deleteAlarm();
  } else if (current !== next) {
    await storage.setAlarm(next);
  }
}
