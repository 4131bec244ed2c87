import type { BroadcasterStatus, CallbackLogRow } from '@vidplat/contracts';
import type { z } from 'zod';
import { api } from '../api.js';
import { poll, type PageModule } from '../page.js';
import { ActionButton, Muted, Problem, Table, Tag, fill, status } from '../ui.js';

const B = '/v1/admin/broadcaster';
type Action = 'start' | 'stop' | 'trigger';

async function act(what: Action, taskId: string) {
  const r = await api(`${B}/${what}?taskId=${encodeURIComponent(taskId)}`, { method: 'POST', body: {} });
  status('broadcast-result', r.ok ? `${what} ${taskId}: done` : { result: r, what: `${what} ${taskId}` });
  void load();
}

async function tasks() {
  const r = await api<z.infer<typeof BroadcasterStatus>>(B);
  if (!r.ok) return fill('remote', <Problem result={r} what="Broadcaster" />);
  const b = r.body;
  fill(
    'remote',
    <>
      <p id="broadcaster-status" data-running={b.running ? '1' : '0'}>{`${b.running ? 'Running' : 'Stopped'} · next post ${b.nextAlarmAt ?? '–'}`}</p>
      {b.tasks.length ? (
        <Table
          id="broadcaster-tasks"
          rows={b.tasks}
          columns={[
            ['Task', (t) => t.taskId],
            ['Site', (t) => t.siteName],
            ['Target', (t) => t.targetUrl],
            ['Every', (t) => `${t.intervalSeconds} s`],
            ['State', (t) => <Tag kind={t.active ? 'published' : ''} data-task-state={t.taskId}>{t.active ? 'active' : 'stopped'}</Tag>],
            ['Last run', (t) => `${t.lastRunAt ?? '–'}${t.lastStatus ? ` (${t.lastStatus})` : ''}${t.lastError ? ` ${t.lastError}` : ''}`],
            [
              '',
              (t) => (
                <>
                  {(['start', 'stop', 'trigger'] as const).map((a) => (
                    <>
                      <ActionButton action={a} id={t.taskId} onClick={() => void act(a, t.taskId)} />{' '}
                    </>
                  ))}
                </>
              ),
            ],
          ]}
        />
      ) : (
        <Muted>No broadcast tasks.</Muted>
      )}
    </>,
  );
}

async function log() {
  const r = await api<CallbackLogRow[] | { items?: CallbackLogRow[]; log?: CallbackLogRow[] }>(`${B}/log?limit=20`);
  if (!r.ok) return fill('broadcast-log', <Problem result={r} what="Callback log" />);
  const rows = Array.isArray(r.body) ? r.body : (r.body.items ?? r.body.log ?? []);
  fill(
    'broadcast-log',
    rows.length ? (
      <Table
        id="broadcast-log-table"
        rows={rows}
        columns={[
          ['At', (x) => x.at],
          ['Task', (x) => x.taskId],
          ['Trigger', (x) => x.trigger],
          ['Attempt', (x) => String(x.attempt)],
          ['Result', (x) => <Tag kind={x.ok ? 'better' : 'worse'}>{`${x.ok ? 'ok' : 'failed'} ${x.status ?? ''}`}</Tag>],
          ['Error', (x) => x.error ?? ''],
        ]}
      />
    ) : (
      <Muted>No webhook posts yet.</Muted>
    ),
  );
}

function load() {
  void tasks();
  void log();
}

export const broadcaster: PageModule = { mount() {}, load: () => poll(load, 5000) };
