import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import { Logger, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CONSOLE_CSP } from '../common/security-headers';

/** Where the console is served: the single-page app of web/ (SPEC §11). */
export const CONSOLE_PATH = '/admin';

/** The first folder above `from` that holds package.json: the repository (from src/ or dist/ alike). */
export function repositoryRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

/** web/dist, written by `npm run build --prefix web` (run by `npm install` and `npm run build`). */
export const consoleDir = (): string => join(repositoryRoot(), 'web', 'dist');

export const CONSOLE_NOT_BUILT = 'The console is not built: npm run build --prefix web';
const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Console not built</title></head>
<body><h1>The admin console is not built</h1>
<p>${CONSOLE_NOT_BUILT} (the service's own <code>npm install</code> and <code>npm run build</code> do it too), then reload this page.</p>
</body></html>
`;

/** Hashed file names (assets/index-3fa9c1.js) never change content: cached for a year. */
const IMMUTABLE = { cacheControl: true, maxAge: '365d', immutable: true } as const;

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * The console's routes. `/admin` and every `/admin/<client route>` answer index.html (not cached, so a
 * new build is picked up), `/admin/assets/*` the hashed files, each as the browser accepts it (brotli,
 * gzip or plain: the build writes the compressed copies). A missing build is a 503 naming the command
 * that makes it, checked per request, so a build made while the service runs is served without a
 * restart. Every answer has the console's CSP: only this origin's scripts, styles and API.
 */
export function registerConsoleRoutes(fastify: FastifyInstance, dir: string): void {
  // Not awaited: awaiting a register during Nest's init would make Fastify load its plugin queue at once,
  // building Nest's routes before Nest sets its error handler. Fastify loads this with the rest at ready().
  void fastify.register(async (scope) => {
    await scope.register(fastifyStatic, {
      root: dir,
      serve: false,
      preCompressed: true,
      dotfiles: 'deny',
      index: false,
      suppressWarning: true,
    });
    const root = resolve(dir);
    const index = join(root, 'index.html');

    const sendIndex = async (reply: FastifyReply) => {
      if (!(await isFile(index))) {
        return reply
          .status(503)
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(NOT_BUILT_PAGE);
      }
      return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
    };

    const routeOptions = {
      helmet: { contentSecurityPolicy: CONSOLE_CSP, crossOriginOpenerPolicy: { policy: 'same-origin' as const } },
    };
    scope.get(CONSOLE_PATH, routeOptions, (_request, reply) => sendIndex(reply));
    scope.get(`${CONSOLE_PATH}/*`, routeOptions, async (request: FastifyRequest, reply) => {
      const rest = (request.params as { '*': string })['*'];
      if (rest === '' || rest === 'index.html') return sendIndex(reply);
      const file = resolve(root, rest);
      const inside = file.startsWith(`${root}${sep}`);
      if (inside && !/\.(gz|br)$/.test(rest) && (await isFile(file))) {
        return reply.sendFile(rest, rest.startsWith('assets/') ? IMMUTABLE : { cacheControl: false });
      }
      // a file the page names but the build lacks (an old page after a new build): not the page again
      if (!inside || rest.startsWith('assets/') || /\.[a-z0-9]+$/i.test(rest)) {
        return reply.status(404).type('text/plain; charset=utf-8').send(`Not found: ${CONSOLE_PATH}/${rest}`);
      }
      return sendIndex(reply); // a client route (/admin/customers/…): the app shows it
    });
  });
}

/** Serves the admin console (web/) at /admin; see registerConsoleRoutes. */
@Module({})
export class ConsoleModule implements OnModuleInit {
  private readonly logger = new Logger('Console');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit() {
    const dir = consoleDir();
    if (!existsSync(join(dir, 'index.html'))) {
      this.logger.warn(`${CONSOLE_NOT_BUILT} (${CONSOLE_PATH} answers 503 until it is)`);
    }
    registerConsoleRoutes(this.adapterHost.httpAdapter.getInstance<FastifyInstance>(), dir);
  }
}
