import type { CampaignView } from '@vidplat/contracts';
import { api } from '../api.js';
import { fmt } from '../format.js';
import { poll, type PageModule } from '../page.js';
import { ActionButton, Muted, Problem, Table, Tag, fill, status } from '../ui.js';

const C = '/v1/admin/campaigns';
type Action = 'pause' | 'resume' | 'cancel';

async function act(what: Action, id: string) {
  const r = await api(`${C}/${encodeURIComponent(id)}/${what}`, { method: 'POST', body: {} });
  status('campaign-result', r.ok ? `${what}: done` : { result: r, what });
  void load();
}

async function load() {
  const r = await api<{ items: CampaignView[] }>(C);
  if (!r.ok) return fill('remote', <Problem result={r} what="Campaigns" />);
  const items = r.body.items.slice(0, 20);
  if (!items.length) return fill('remote', <Muted>No campaigns.</Muted>);
  // Details carry recipients and batch progress; the list index only the counters.
  const details = await Promise.all(items.map((c) => api<CampaignView>(`${C}/${encodeURIComponent(c.id)}`)));
  const rows = items.map((c, i) => {
    const d = details[i];
    return { c, d: d?.ok ? d.body : null };
  });
  fill(
    'remote',
    <Table
      id="campaigns-table"
      rows={rows}
      columns={[
        ['Campaign', (x) => x.c.name],
        ['Send at', (x) => x.c.sendAt ?? 'draft'],
        ['Status', (x) => <Tag kind={x.c.status} data-campaign-status={x.c.name}>{x.c.status}</Tag>],
        [
          'Progress',
          (x) => {
            const total = x.d ? x.d.recipients : 0;
            const batches = x.d ? ` · batches ${x.d.batches.sent}/${x.d.batches.total}${x.d.batches.failed ? `, ${x.d.batches.failed} failed` : ''}` : '';
            return (
              <>
                <progress max={Math.max(total, 1)} value={x.c.sentCount}></progress>
                {` ${fmt(x.c.sentCount)} / ${fmt(total)}${batches}`}
              </>
            );
          },
        ],
        [
          'Delivery',
          // This run's statistics in recipients: sent / failed / skipped (no linked LINE id).
          (x) => (x.d ? <span data-campaign-stats={x.c.name}>{`${fmt(x.d.stats.sent)} sent · ${fmt(x.d.stats.failed)} failed · ${fmt(x.d.stats.skipped)} skipped${x.d.recurrence ? ` · run ${x.d.run + 1}` : ''}`}</span> : ''),
        ],
        [
          '',
          (x) => (
            <>
              {(['pause', 'resume', 'cancel'] as const).map((a) => (
                <>
                  <ActionButton action={a} id={x.c.id} onClick={() => void act(a, x.c.id)} />{' '}
                </>
              ))}
            </>
          ),
        ],
      ]}
    />,
  );
}

export const campaigns: PageModule = { mount() {}, load: () => poll(() => void load(), 5000) };
