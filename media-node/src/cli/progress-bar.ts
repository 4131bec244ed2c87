/** A one-line text progress bar on stderr (redrawn in place on a TTY, one line per step otherwise). */
export class ProgressBar {
  private last = '';
  constructor(
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  update(percent: number, detail = ''): void {
    const p = Math.max(0, Math.min(100, percent));
    const width = 30;
    const filled = Math.round((p / 100) * width);
    const line = `${this.label.padEnd(10)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.toFixed(1).padStart(5)}% ${detail}`;
    if (line === this.last) return;
    this.last = line;
    if (this.out.isTTY) this.out.write(`\r${line.padEnd(this.out.columns ? this.out.columns - 1 : 100)}`);
    else this.out.write(`${line}\n`);
  }

  done(detail = ''): void {
    this.update(100, detail);
    if (this.out.isTTY) this.out.write('\n');
  }
}

export const formatBytes = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(0)} kB`);
