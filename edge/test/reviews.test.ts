import { describe, expect, it } from 'vitest';
import { CourseRating, Review, ReviewList } from '@vidplat/contracts';
import { asUser, call, DAY, iso, seedShop } from './catalogue-fixtures.js';

describe('course ratings and reviews', () => {
  it('one review per enrolled learner (a PUT replaces it); the course rating is the mean of published reviews; moderation hides', async () => {
    const s = await seedShop('rev-a');
    await call('POST', '/v1/courses/free-1/enrolments', s.appKey, { kind: 'free' }, asUser('ann'));
    await call('POST', '/v1/courses/free-1/enrolments', s.appKey, { kind: 'free' }, asUser('bob'));
    const first = await call('PUT', '/v1/courses/free-1/review', s.appKey, { rating: 4, title: 'Good', body: 'Clear lessons' }, asUser('ann'));
    expect(first.status).toBe(201);
    expect(Review.parse(first.body)).toMatchObject({ courseId: 'free-1', userId: 'ann', rating: 4, status: 'published' });
    const edit = await call('PUT', '/v1/courses/free-1/review', s.appKey, { rating: 5 }, asUser('ann'));
    expect(edit).toMatchObject({ status: 200, body: { rating: 5, createdAt: first.body.createdAt } });
    await call('PUT', '/v1/courses/free-1/review', s.appKey, { rating: 2 }, asUser('bob'));

    const list = ReviewList.parse((await call('GET', '/v1/courses/free-1/reviews', s.appKey)).body);
    expect(list.items).toHaveLength(2);
    expect(list.rating).toEqual({ courseId: 'free-1', average: 3.5, count: 2, distribution: [0, 1, 0, 0, 1] });
    expect((await call('GET', '/v1/courses/free-1', s.appKey)).body.rating).toBe(3.5);

    // A manager hides bob's review: gone for learners, out of the rating; the instructor still sees it.
    const mod = await call('POST', '/v1/courses/free-1/reviews/bob/moderation', s.superKey, { status: 'hidden' });
    expect(mod.status).toBe(200);
    expect(CourseRating.parse(mod.body.rating)).toMatchObject({ average: 5, count: 1 });
    expect(ReviewList.parse((await call('GET', '/v1/courses/free-1/reviews', s.appKey)).body).items.map((r) => r.userId)).toEqual(['ann']);
    expect(ReviewList.parse((await call('GET', '/v1/courses/free-1/reviews', s.instructorKey)).body).items).toHaveLength(2);
    expect((await call('GET', '/v1/courses/free-1', s.appKey)).body.rating).toBe(5);
    expect((await call('POST', '/v1/courses/free-1/reviews/ann/moderation', s.instructorKey, { status: 'hidden' })).status).toBe(403);
  });

  it('bad input: a rating of 6 is a 400 naming rating; a learner not enrolled gets 403; an expired enrolment may still review', async () => {
    const s = await seedShop('rev-b');
    await call('POST', '/v1/courses/free-1/enrolments', s.appKey, { kind: 'free' }, asUser('ann'));
    const six = await call('PUT', '/v1/courses/free-1/review', s.appKey, { rating: 6 }, asUser('ann'));
    expect(six.status).toBe(400);
    expect(six.body.error).toMatchObject({ code: 'invalid_field', field: 'rating' });
    const half = await call('PUT', '/v1/courses/free-1/review', s.appKey, { rating: 3.5 }, asUser('ann'));
    expect(half.body.error.field).toBe('rating');
    const stranger = await call('PUT', '/v1/courses/free-1/review', s.appKey, { rating: 5 }, asUser('stranger'));
    expect(stranger.status).toBe(403);
    expect(stranger.body.error.code).toBe('forbidden');
    await call('POST', '/v1/courses/paid-1/enrolments', s.superKey, { kind: 'paid', userId: 'old', orderId: 'o-old', validFrom: iso(-60 * DAY), validUntil: iso(-30 * DAY) });
    expect((await call('PUT', '/v1/courses/paid-1/review', s.appKey, { rating: 3 }, asUser('old'))).status).toBe(201);
    expect((await call('PUT', '/v1/courses/nope/review', s.appKey, { rating: 3 }, asUser('ann'))).status).toBe(404);
  });
});

describe('public hot courses', () => {
  it('validates its query (400 naming the field)', async () => {
    const s = await seedShop('hot-a');
    const badCat = await call('GET', '/v1/courses/hot?category=nope', s.appKey);
    expect(badCat).toMatchObject({ status: 400, body: { error: { field: 'category' } } });
    const badLimit = await call('GET', '/v1/courses/hot?limit=0', s.appKey);
    expect(badLimit).toMatchObject({ status: 400, body: { error: { field: 'limit' } } });
    // "hot" is not taken for a course id by the course route.
    expect((await call('GET', '/v1/courses/hot', s.appKey)).status).not.toBe(404);
  });
});

describe('instructor views', () => {
  it('course stats (enrolments, completion, watch time) and the roster with progress, for the course\'s instructor or a manager only', async () => {
    const s = await seedShop('ins-a');
    for (const u of ['ann', 'bob']) await call('POST', '/v1/courses/free-1/enrolments', s.appKey, { kind: 'free' }, asUser(u));
    const play = await call('GET', '/v1/play/fv-1', s.appKey, undefined, asUser('ann'));
    const done = await call('POST', '/v1/videos/fv-1/progress', s.appKey, { positionSeconds: 590, durationSeconds: 600, watchedSeconds: 5, device: 'web', playbackToken: play.body.token }, asUser('ann'));
    expect(done.body.event).toBe('play_complete');

    const stats = await call('GET', '/v1/courses/free-1/stats', s.instructorKey);
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ courseId: 'free-1', enrolments: { total: 2, active: 2 }, completions: 1, completionRate: 0.5, watchSeconds: 5 });
    const roster = await call('GET', '/v1/courses/free-1/students', s.instructorKey);
    expect(roster.body).toMatchObject({ courseId: 'free-1', totalVideos: 1 });
    expect(roster.body.items.map((r: { userId: string; progress: number; completedVideos: number }) => [r.userId, r.completedVideos, r.progress])).toEqual([
      ['ann', 1, 1],
      ['bob', 0, 0],
    ]);
    expect((await call('GET', '/v1/courses/free-1/students', s.otherInstructorKey)).status).toBe(403);
    expect((await call('GET', '/v1/courses/free-1/stats', s.appKey)).status).toBe(403);
    expect((await call('GET', '/v1/courses/free-1/stats', s.superKey)).status).toBe(200);
    const mine = await call('GET', '/v1/instructor/courses', s.instructorKey);
    expect(mine.body.items.map((x: { courseId: string }) => x.courseId)).toEqual(['draft-1', 'free-1', 'member-1', 'paid-1']);
  });
});
