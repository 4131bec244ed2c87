import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../../env.js';

export class Broadcaster extends DurableObject<Bindings> {}
