import type { TranscodeJobRow } from '@vidplat/analytics/queries/transcode-jobs';
import { api } from '../api.js';
import { fmt } from '../format.js';
import { poll, type PageModule } from '../page.js';
import { Muted, Problem, Table, fill } from '../ui.js';

async function load() {
  const r = await api<{ jobs: TranscodeJobRow[] }>('/v1/admin/media/jobs');
  if (!r.ok) return fill('remote', <Problem result={r} what="Transcode jobs" />);
  const jobs = r.body.jobs;
  fill(
    'remote',
    jobs.length ? (
      <Table
        id="transcode-table"
        rows={jobs}
        columns={[
          ['Job', (j) => j.jobId],
          ['Video', (j) => j.videoId],
          ['State', (j) => j.state],
          [
            'Progress',
            (j) => (
              <>
                <progress max={100} value={j.percent}></progress>
                {` ${fmt(j.percent, 0)}%`}
              </>
            ),
          ],
        ]}
      />
    ) : (
      <Muted>No transcode jobs.</Muted>
    ),
  );
}

export const transcode: PageModule = { mount() {}, load: () => poll(() => void load(), 5000) };
