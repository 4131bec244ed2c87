/** Kafka topic names. Keys: behaviour-events `tenant:user`; transcode-* `tenant:video`. */
export const Topics = {
  behaviourEvents: 'behaviour-events',
  userProfileUpdates: 'user-profile-updates',
  itemStatsUpdates: 'item-stats-updates',
  recommendationMetrics: 'recommendation-metrics',
  transcodeJobs: 'transcode-jobs',
  transcodeProgress: 'transcode-progress',
} as const;
export type Topic = (typeof Topics)[keyof typeof Topics];

/** Dead-letter topic for one consumer group: a poison message goes here with the reason. */
export const deadLetterTopic = (consumerGroup: string): string => `dlq.${consumerGroup}`;

export const behaviourEventKey = (tenantId: string, userId: string): string => `${tenantId}:${userId}`;
