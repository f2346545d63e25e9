/**
 * The nunjucks internals crane-fix builds on (lexer, parser, AST nodes, compiler): untyped,
 * so they are reached through one `any` handle here.
 */
import nunjucks from 'nunjucks';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyNode = any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const nj = nunjucks as any;
export const nodes = nj.nodes;
