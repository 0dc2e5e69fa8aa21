import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GraphQLError, Lexer, Source, TokenKind } from 'graphql';
import { ErrorCode } from '../common/app-error';
import { INPUT_MESSAGES, inputProblem, MAX_INPUT_DEPTH } from '../common/input-rules';

/** Brackets of any kind nested deeper than this cannot be a sensible document (the parser recurses on them). */
export const MAX_DOCUMENT_NESTING = 256;
export const DOCUMENT_TOO_DEEP = `The document is nested more than ${MAX_DOCUMENT_NESTING} levels deep`;

/**
 * What is wrong with a document's nesting, found with graphql-js's lexer (which does not recurse) before
 * the parser (which does) sees it: an argument, default value or variable type whose objects and lists
 * nest deeper than MAX_INPUT_DEPTH is the input rule's "nested too deeply"; brackets of any kind deeper
 * than MAX_DOCUMENT_NESTING are refused too, so no document can overflow the parser's stack. A lexing
 * error stops the scan: the parser reports it.
 */
export function documentProblem(source: string): string | null {
  // One entry per open bracket: -1 for a selection set, 0 for "(", n ≥ 1 for the n-th object or list
  // of an argument value (or variable definition).
  const open: number[] = [];
  const lexer = new Lexer(new Source(source));
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      switch (token.kind) {
        case TokenKind.PAREN_L:
          open.push(0);
          break;
        case TokenKind.BRACE_L:
        case TokenKind.BRACKET_L: {
          const parent = open.length ? open[open.length - 1] : -1;
          const level = parent >= 0 ? parent + 1 : -1;
          if (level > MAX_INPUT_DEPTH) return INPUT_MESSAGES.tooDeep;
          open.push(level);
          break;
        }
        case TokenKind.PAREN_R:
        case TokenKind.BRACE_R:
        case TokenKind.BRACKET_R:
          open.pop();
          break;
      }
      if (open.length > MAX_DOCUMENT_NESTING) return DOCUMENT_TOO_DEEP;
    }
  } catch (error) {
    if (error instanceof GraphQLError) return null;
    throw error;
  }
  return null;
}

/** The operations of an HTTP GraphQL request: the body (one, or a batch) or, for GET, the query string. */
function operationsOf(request: FastifyRequest): { query?: unknown; variables?: unknown }[] {
  if (request.method === 'GET') {
    const params = (request.query ?? {}) as { query?: unknown; variables?: unknown };
    let variables = params.variables;
    if (typeof variables === 'string') {
      try {
        variables = JSON.parse(variables);
      } catch {
        variables = undefined; // Apollo answers the bad JSON itself
      }
    }
    return [{ query: params.query, variables }];
  }
  const body = request.body;
  const list = Array.isArray(body) ? body : [body];
  return list.filter((op): op is object => typeof op === 'object' && op !== null);
}

/** What is wrong with a GraphQL HTTP request's variables or document nesting, or null. */
export function graphqlRequestProblem(request: FastifyRequest): string | null {
  for (const { query, variables } of operationsOf(request)) {
    // Each variable's value is level 1, as an argument's value is for the argument pipe.
    if (typeof variables === 'object' && variables !== null) {
      for (const value of Object.values(variables)) {
        const problem = inputProblem(value);
        if (problem) return problem;
      }
    }
    if (typeof query === 'string') {
      const problem = documentProblem(query);
      if (problem) return problem;
    }
  }
  return null;
}

/**
 * Applies the input rules to GraphQL requests before Apollo sees them: graphql-js coerces variables
 * and parses documents recursively, so a deep input must be refused first (HTTP 400, BAD_USER_INPUT,
 * the same body as Apollo's own input errors). Arguments are checked again, decoded, by the global
 * InputRulesPipe.
 */
@Module({})
export class GraphqlInputModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit() {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('preValidation', (request, reply, done) => {
      if (request.routeOptions.url !== '/graphql') return done();
      const problem = graphqlRequestProblem(request);
      if (!problem) return done();
      void reply.status(400).send({ errors: [{ message: problem, extensions: { code: ErrorCode.BadUserInput } }] });
    });
  }
}
