/** A terminal progress bar on stderr; plain periodic lines when stderr is not a TTY (CI, logs). */
export class ProgressBar {
  private lastLine = 0;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly width = 30,
  ) {}

  update(done: number): void {
    const now = Date.now();
    const finished = done >= this.total;
    if (!finished && now - this.lastLine < (this.out.isTTY ? 100 : 2000)) return;
    this.lastLine = now;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const filled = Math.round(frac * this.width);
    const rate = done / Math.max(0.001, (now - this.started) / 1000);
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(this.width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${done}/${this.total} (${rate.toFixed(0)}/s)`;
    if (this.out.isTTY) this.out.write(`\r${line}${finished ? '\n' : ''}`);
    else this.out.write(`${line}\n`);
  }
}
