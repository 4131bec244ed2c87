// The Kafka client wrapper is shared with media-node: it lives in @vidplat/node-runtime.
export * from '@vidplat/node-runtime/kafka';
