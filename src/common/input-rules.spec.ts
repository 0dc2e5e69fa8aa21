import { INPUT_MESSAGES, inputProblem, MAX_INPUT_DEPTH, textProblem } from './input-rules';

/** `depth` objects nested in each other around `inner`. */
function nested(depth: number, inner: unknown = 1): unknown {
  let value = inner;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('input rules', () => {
  it('accepts objects and arrays nested up to the limit, and refuses one level more', () => {
    expect(MAX_INPUT_DEPTH).toBe(32);
    expect(inputProblem(nested(32))).toBeNull();
    expect(inputProblem(nested(33))).toBe(INPUT_MESSAGES.tooDeep);
    expect(inputProblem(nested(31, [1]))).toBeNull();
    expect(inputProblem(nested(31, [[1]]))).toBe(INPUT_MESSAGES.tooDeep);
    expect(INPUT_MESSAGES.tooDeep).toBe('Input is nested too deeply (more than 32 levels)');
  });

  it('counts only nesting, not width, and scalars are level 0', () => {
    expect(inputProblem('text')).toBeNull();
    expect(inputProblem(42)).toBeNull();
    expect(inputProblem(null)).toBeNull();
    expect(inputProblem(Array.from({ length: 10_000 }, (_, i) => ({ i })))).toBeNull();
  });

  it('walks 100,000 levels without overflowing the stack', () => {
    expect(inputProblem(nested(100_000))).toBe(INPUT_MESSAGES.tooDeep);
    let list: unknown = [];
    for (let i = 0; i < 100_000; i++) list = [list];
    expect(inputProblem(list)).toBe(INPUT_MESSAGES.tooDeep);
  });

  it('refuses NUL and unpaired surrogates in values and keys, at any allowed depth', () => {
    expect(inputProblem({ a: ['x\u0000y'] })).toBe(INPUT_MESSAGES.nul);
    expect(inputProblem({ ['k\u0000']: 1 })).toBe(INPUT_MESSAGES.nul);
    expect(inputProblem(nested(30, 'a\ud800'))).toBe(INPUT_MESSAGES.loneSurrogate);
    expect(inputProblem({ ['\udc00']: 1 })).toBe(INPUT_MESSAGES.loneSurrogate);
    expect(INPUT_MESSAGES.loneSurrogate).toBe('Text must be valid Unicode: it holds an unpaired UTF-16 surrogate');
  });

  it.each([
    ['a lone high surrogate', '\ud83d', INPUT_MESSAGES.loneSurrogate],
    ['a lone low surrogate', '\ude00', INPUT_MESSAGES.loneSurrogate],
    ['a low before a high', '\ude00\ud83d', INPUT_MESSAGES.loneSurrogate],
    ['a high at the end', 'ok\ud83d', INPUT_MESSAGES.loneSurrogate],
    ['a pair (an emoji)', 'ok \ud83d\ude00', null],
    ['fullwidth and accents', 'ａｄａ é e\u0301', null],
    ['NUL', '\u0000', INPUT_MESSAGES.nul],
  ])('textProblem: %s', (_label, text, expected) => {
    expect(textProblem(text)).toBe(expected);
  });
});
