// The JSON-lines logger is shared with media-node: it lives in @vidplat/node-runtime.
export { log } from '@vidplat/node-runtime/log';
