/**
 * A long-running Node process of the platform (stream processors, media-node servers and
 * workers). The dev stack (npm start, integration tests) starts each with the shared environment;
 * docker-compose.yml runs the same entry points. `healthPortVar` names the env variable holding
 * the port its health endpoint listens on; the stack allocates a free port for it.
 */
export interface ServiceEntrypoint {
  name: string;
  /** Path relative to the repository root. */
  entry: string;
  /** Env variable with the health port; the stack allocates a free port for it. */
  healthPortVar: string;
  healthPath: string;
}
