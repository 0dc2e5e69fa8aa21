import { Global, Injectable, Module } from '@nestjs/common';
import { ErrorCode, NormalisedError } from './app-error';

/** An error as one API puts it on the wire. */
export interface ErrorBody {
  status: number;
  body: object;
}

/** Turns a normalised error (null: an unexpected failure, a 500) into one API's wire body. */
export type ErrorFormat = (error: NormalisedError | null) => ErrorBody;

/** The REST answer of every route no module claims: `{ code, message, ...details }`. */
export const restErrorFormat: ErrorFormat = (error) =>
  error
    ? { status: error.status, body: { code: error.code, message: error.message, ...error.details } }
    : { status: 500, body: { code: ErrorCode.Internal, message: 'Internal server error' } };

/**
 * The error body formats of the HTTP APIs, by URL prefix. The module that owns an API's wire
 * registers its format for its routes (the partner API its Insider bodies, the GraphQL module its
 * transport errors), so the one REST exception filter maps every error without knowing any API.
 */
@Injectable()
export class ErrorFormats {
  private formats: { prefix: string; format: ErrorFormat }[] = [];

  /** Registers (or replaces) the format of the routes whose URL starts with `prefix`. */
  register(prefix: string, format: ErrorFormat): void {
    this.formats = [...this.formats.filter((f) => f.prefix !== prefix), { prefix, format }].sort(
      (a, b) => b.prefix.length - a.prefix.length,
    );
  }

  /** The format of the longest registered prefix of `url`, else the plain REST one. */
  forUrl(url: string): ErrorFormat {
    return this.formats.find((f) => url.startsWith(f.prefix))?.format ?? restErrorFormat;
  }
}

@Global()
@Module({ providers: [ErrorFormats], exports: [ErrorFormats] })
export class ErrorFormatsModule {}
