import { z } from 'zod';
import { IsoTime } from './envelope.js';
import { ItemId, UserId } from './ids.js';

/** Moderation state: published reviews count in the course rating and are shown to everyone. */
export const ReviewStatus = z.enum(['published', 'pending', 'hidden']);
export type ReviewStatus = z.infer<typeof ReviewStatus>;

/** PUT /v1/courses/:courseId/review — the caller's own review (one per enrolled learner; a PUT replaces it). */
export const PutReviewRequest = z.object({
  rating: z.number().int('rating is a whole number of stars').min(1, 'rating is 1 to 5').max(5, 'rating is 1 to 5'),
  title: z.string().max(200).default(''),
  body: z.string().max(5_000).default(''),
});
export type PutReviewRequest = z.infer<typeof PutReviewRequest>;

/** POST /v1/courses/:courseId/reviews/:userId/moderation (catalogue managers). */
export const ModerateReviewRequest = z.object({ status: ReviewStatus });

export const Review = z.object({
  courseId: ItemId,
  userId: UserId,
  rating: z.number().int().min(1).max(5),
  title: z.string(),
  body: z.string(),
  status: ReviewStatus,
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type Review = z.infer<typeof Review>;

/** The course rating from its published reviews: mean (null without any), count, and stars 1..5. */
export const CourseRating = z.object({
  courseId: ItemId,
  average: z.number().min(1).max(5).nullable(),
  count: z.number().int().min(0),
  distribution: z.tuple([z.number().int(), z.number().int(), z.number().int(), z.number().int(), z.number().int()]).describe('counts of 1..5 stars'),
});
export type CourseRating = z.infer<typeof CourseRating>;

export const ReviewList = z.object({ rating: CourseRating, items: z.array(Review) });
export type ReviewList = z.infer<typeof ReviewList>;

/** GET /v1/courses/hot?category=&limit= (public, cached at the edge). */
export const PublicHotCoursesQuery = z.object({
  category: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/).optional(),
  limit: z.coerce.number().int().min(1).max(50).default(10),
});
