import { Injectable, PipeTransform } from '@nestjs/common';
import { AppError } from './app-error';
import { inputProblem } from './input-rules';

/**
 * The input rules (input-rules.ts: nesting depth, NUL, unpaired surrogates) on every GraphQL argument
 * (after graphql-js decoded escapes and JSON literals) and every REST body, partner API included,
 * before the validation pipe or a service sees it; on SQLite too, so both engines answer alike.
 * GraphQL variables are checked earlier still, before graphql-js coerces them (graphql-input.ts).
 */
@Injectable()
export class InputRulesPipe implements PipeTransform {
  transform(value: unknown): unknown {
    const problem = inputProblem(value);
    if (problem) throw AppError.badInput(problem);
    return value;
  }
}
