import { z } from 'zod';
import * as c from './index.js';

/** Every published contract by name. JSON Schema and OpenAPI are generated from these, never by hand. */
export const publishedSchemas = {
  BehaviourEvent: c.BehaviourEvent,
  EventBatchRequest: c.EventBatchRequest,
  EventBatchResponse: c.EventBatchResponse,
  ErrorBody: c.ErrorBody,
  Item: c.Item,
  Tenant: c.Tenant,
  ApiKeyRecord: c.ApiKeyRecord,
  ScenarioConfig: c.ScenarioConfig,
  Schedule: c.Schedule,
  Campaign: c.Campaign,
  BroadcasterTask: c.BroadcasterTask,
  Category: c.Category,
  Tag: c.Tag,
  Course: c.Course,
  Chapter: c.Chapter,
  Video: c.Video,
  Enrolment: c.Enrolment,
  Membership: c.Membership,
  ProgressReport: c.ProgressReport,
  TranscodeJob: c.TranscodeJob,
  TranscodeProgress: c.TranscodeProgress,
  PlaybackTokenClaims: c.PlaybackTokenClaims,
  EventRawRow: c.EventRawRow,
  SnapshotMeta: c.SnapshotMeta,
  RecommendResponse: c.RecommendResponse,
} satisfies Record<string, z.ZodType>;

export function jsonSchemas(): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(publishedSchemas).map(([name, s]) => [name, z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' })]),
  );
}
