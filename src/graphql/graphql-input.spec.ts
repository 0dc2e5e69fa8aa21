import { parse } from 'graphql';
import { INPUT_MESSAGES } from '../common/input-rules';
import { DOCUMENT_TOO_DEEP, documentProblem } from './graphql-input';

const objects = (depth: number) => '{ a: '.repeat(depth) + '1' + ' }'.repeat(depth);
const lists = (depth: number) => '['.repeat(depth) + '1' + ']'.repeat(depth);

describe('documentProblem', () => {
  it('measures argument values: 32 levels pass, 33 do not', () => {
    expect(documentProblem(`{ f(a: ${objects(32)}) }`)).toBeNull();
    expect(documentProblem(`{ f(a: ${objects(33)}) }`)).toBe(INPUT_MESSAGES.tooDeep);
    expect(documentProblem(`{ f(a: ${lists(33)}) }`)).toBe(INPUT_MESSAGES.tooDeep);
    expect(documentProblem(`{ f(a: { b: [${objects(31)}] }) }`)).toBe(INPUT_MESSAGES.tooDeep);
  });

  it('does not count selection sets as input, nor input in one argument against another', () => {
    const selections = '{ a '.repeat(40) + '}'.repeat(40);
    expect(documentProblem(selections)).toBeNull();
    const deepSelections = '{ a '.repeat(20) + `{ f(x: ${objects(32)}, y: ${objects(32)}) }` + '}'.repeat(20);
    expect(documentProblem(deepSelections)).toBeNull();
  });

  it('measures variable definitions (types and default values) and directive arguments', () => {
    expect(documentProblem(`query($v: JSON = ${objects(33)}) { f }`)).toBe(INPUT_MESSAGES.tooDeep);
    expect(documentProblem(`query($v: ${'['.repeat(33)}Int${']'.repeat(33)}) { f }`)).toBe(INPUT_MESSAGES.tooDeep);
    expect(documentProblem(`{ f @d(a: ${objects(33)}) }`)).toBe(INPUT_MESSAGES.tooDeep);
  });

  it('ignores brackets in strings, block strings and comments', () => {
    const text = '['.repeat(100);
    expect(documentProblem(`{ f(a: "${text}", b: """${text}""") # ${text}\n }`)).toBeNull();
  });

  it('refuses any nesting the parser could not take, before it recurses', () => {
    const deep = '{ a '.repeat(10_000) + '}'.repeat(10_000);
    expect(() => parse(deep)).toThrow(/Maximum call stack size exceeded/);
    expect(documentProblem(deep)).toBe(DOCUMENT_TOO_DEEP);
    expect(documentProblem(`{ f(a: ${lists(100_000)}) }`)).toBe(INPUT_MESSAGES.tooDeep);
  });

  it('leaves syntax errors to the parser', () => {
    expect(documentProblem('{ f(a: "unterminated }')).toBeNull();
    expect(documentProblem('}}}')).toBeNull();
  });
});
