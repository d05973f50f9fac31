/**
 * Progress notifications while a tool works, so clients that asked for them (by sending a
 * progressToken) see a long generation moving and, where they support it, keep waiting.
 */
import type { ServerContext } from '@modelcontextprotocol/server';

export interface Progress {
  /** Reports a new stage at once, then keeps repeating it with the elapsed time. */
  update(message: string): void;
  stop(): void;
}

export function startProgress(ctx: ServerContext, intervalMs: number): Progress {
  const token = ctx.mcpReq._meta?.progressToken;
  if (token === undefined) return { update: () => {}, stop: () => {} };

  const started = Date.now();
  let step = 0;
  let message = 'Starting';
  const send = () => {
    step += 1;
    const seconds = Math.round((Date.now() - started) / 1000);
    ctx.mcpReq
      .notify({
        method: 'notifications/progress',
        params: { progressToken: token, progress: step, message: `${message} (${seconds} s)` },
      })
      .catch(() => {}); // the client may have gone; the generation still completes and is stored
  };
  const timer = setInterval(send, intervalMs);
  timer.unref();
  return {
    update(next) {
      message = next;
      send();
    },
    stop: () => clearInterval(timer),
  };
}
