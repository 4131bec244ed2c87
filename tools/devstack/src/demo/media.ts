import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TranscodeJob, uuidv7 } from '@vidplat/contracts';
import { makeTestVideo } from '@vidplat/media-node/testing/lavfi';
import { readManifest, transcodeToHls, videoDir, type OutputManifest } from '@vidplat/media-node/transcode/hls-output';
import { REPO_ROOT } from '../stack.js';
import type { DemoSeeder } from './context.js';
import { DEMO_LESSONS } from './catalogue.js';

/**
 * HLS files for the demo lessons the catalogue seeder marks ready, so play-auth URLs resolve on
 * the local origin. One generated 4-s clip goes through the real ladder code once (~1-2 s); its
 * output folder is copied for every tenant and lesson id (a demo shortcut: uploads go through tus
 * and the Kafka fleet instead).
 */
export const seedMedia: DemoSeeder = async (ctx) => {
  const outputRoot = resolve(REPO_ROOT, ctx.env.MEDIA_OUTPUT_DIR ?? '.run/media');
  const work = await mkdtemp(join(tmpdir(), 'demo-media-'));
  try {
    const src = join(work, 'clip.mp4');
    await makeTestVideo(src, { seconds: 4, width: 640, height: 360 });
    const job = TranscodeJob.parse({
      eventId: uuidv7(),
      tenantId: 'demo',
      eventTime: new Date().toISOString(),
      schemaVersion: 1,
      jobId: 'demo-clip',
      videoId: 'clip',
      sourceUri: pathToFileURL(src).href,
    });
    const { manifest } = await transcodeToHls(job, { outputRoot: work, preset: 'ultrafast', segmentSeconds: 2, timeoutMs: 60_000 });
    const template = videoDir(work, 'demo', 'clip');
    let copies = 0;
    for (const t of ctx.tenants) {
      for (const videoId of Object.values(DEMO_LESSONS).flat()) {
        const dest = videoDir(outputRoot, t.tenantId, videoId);
        if (await readManifest(dest)) continue;
        await mkdir(join(outputRoot, 'hls', t.tenantId), { recursive: true });
        await cp(template, dest, { recursive: true });
        const m: OutputManifest = { ...manifest, tenantId: t.tenantId, videoId, jobId: `demo-${videoId}`, masterPath: `/hls/${t.tenantId}/${videoId}/master.m3u8` };
        await writeFile(join(dest, 'manifest.json'), JSON.stringify(m, null, 2));
        copies++;
      }
    }
    ctx.log(`media: HLS for ${copies} demo lessons (renditions ${manifest.renditions.join(', ')}) under ${outputRoot}/hls`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
};
