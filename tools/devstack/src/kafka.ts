import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { startProcess, waitFor, type ManagedProcess } from './process.js';

export interface KafkaBroker {
  process: ManagedProcess;
  /** Comma-separated bootstrap list for KAFKA_BROKERS. */
  brokers: string;
  version: string;
}

/**
 * librdkafka's in-memory mock cluster (3 brokers), hosted by Debian's kcat. It speaks the Kafka
 * protocol, including consumer groups, offset commits and idempotent produce; it keeps data only
 * while the process lives and picks its own ports (printed as bootstrap.servers).
 */
export async function startKafka(runDir: string, brokerCount = 3): Promise<KafkaBroker> {
  if (!existsSync('/usr/bin/kcat')) throw new Error('kcat is not installed: run `npm run setup` (apt-get install kcat)');
  const version = execFileSync('kcat', ['-V']).toString().match(/librdkafka (\d[\d.]*)/)?.[1] ?? 'unknown';
  const proc = startProcess(runDir, 'kafka', 'kcat', [
    '-X', `test.mock.num.brokers=${brokerCount}`,
    '-X', 'debug=mock',
    // kcat needs a consumer to keep the process (and so the cluster) alive.
    '-C', '-t', '__devstack_keepalive', '-q', '-b', 'mock:9092',
  ]);
  let brokers = '';
  await waitFor(
    'the Kafka mock cluster to print bootstrap.servers',
    async () => {
      const m = readFileSync(proc.logFile, 'utf8').match(/bootstrap\.servers=([0-9.:,]+)/g);
      if (!m) return false;
      brokers = m[m.length - 1]!.split('=')[1]!;
      return true;
    },
    10_000,
    proc.logFile,
  );
  return { process: proc, brokers, version: `librdkafka mock cluster ${version}` };
}
