import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../../env.js';

export class Campaign extends DurableObject<Bindings> {}
