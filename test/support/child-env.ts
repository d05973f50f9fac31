/**
 * The environment for a child process that runs plain node (or its own tools): this
 * process's, without NODE_OPTIONS, which carries the test run's TypeScript loader.
 */
export function envWithoutLoader(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _loader, ...env } = process.env;
  return { ...env, ...extra };
}
