/**
 * The parser of the Python literal reader (pyLiteral.ts): the restricted AST that
 * `ast.literal_eval` accepts (constants, tuples, lists, sets, dicts, unary +/-, and the
 * complex-number `a + bj` binop), with Python's bracket-nesting limit.
 */
import { reject, type Tok } from './pyTokens.js';

/** Python's parser refuses deeper bracket nesting with a SyntaxError (s_push limit). */
const MAX_NESTING = 200;

export type Node =
  | { k: 'const'; v: PyValue }
  | { k: 'tuple' | 'list' | 'set'; items: Node[] }
  | { k: 'dict'; keys: Node[]; values: Node[] }
  | { k: 'unary'; op: '+' | '-'; operand: Node }
  | { k: 'binop'; op: '+' | '-'; left: Node; right: Node }
  | { k: 'other' };

/** Python values with enough type information to follow Python's rules. */
export type PyValue =
  | { py: 'int'; v: bigint }
  | { py: 'float'; v: number }
  | { py: 'complex'; re: number; im: number }
  | { py: 'str'; v: string }
  | { py: 'bytes'; v: string }
  | { py: 'bool'; v: boolean }
  | { py: 'none' }
  | { py: 'ellipsis' }
  | { py: 'tuple' | 'list' | 'set'; items: PyValue[] }
  | { py: 'dict'; entries: Array<[PyValue, PyValue]> };

export class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok {
    return this.toks[this.i]!;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.value === v;
  }
  private expectOp(v: string): void {
    if (!this.isOp(v)) reject();
    this.i++;
  }

  parseTop(): Node {
    const node = this.exprList(() => this.peek().t === 'end');
    if (this.peek().t !== 'end') reject();
    return node;
  }

  /** expr (',' expr)* [','] — a bare comma makes a tuple, as in Python's eval mode. */
  private exprList(atEnd: () => boolean): Node {
    if (atEnd()) reject();
    const first = this.expr();
    if (!this.isOp(',')) return first;
    const items = [first];
    while (this.isOp(',')) {
      this.i++;
      if (atEnd()) break;
      items.push(this.expr());
    }
    return { k: 'tuple', items };
  }

  /** Additive level: a + b - c ... (left associative). */
  private expr(): Node {
    let left = this.unary();
    while (this.isOp('+') || this.isOp('-')) {
      const op = (this.peek() as { value: '+' | '-' }).value;
      this.i++;
      const right = this.unary();
      left = { k: 'binop', op, left, right };
    }
    return left;
  }

  private unary(): Node {
    // Iterative so that a long run of signs cannot overflow the JS stack.
    const ops: Array<'+' | '-'> = [];
    while (this.isOp('+') || this.isOp('-')) {
      ops.push((this.peek() as { value: '+' | '-' }).value);
      this.i++;
    }
    let node = this.atom();
    for (let k = ops.length - 1; k >= 0; k--) node = { k: 'unary', op: ops[k]!, operand: node };
    return node;
  }

  private nest<T>(fn: () => T): T {
    if (++this.depth >= MAX_NESTING) reject();
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  private atom(): Node {
    const t = this.peek();
    if (t.t === 'num') {
      this.i++;
      if (t.kind === 'int') return { k: 'const', v: { py: 'int', v: t.int! } };
      if (t.kind === 'float') return { k: 'const', v: { py: 'float', v: t.float! } };
      return { k: 'const', v: { py: 'complex', re: 0, im: t.float! } };
    }
    if (t.t === 'str') {
      // Adjacent string literals concatenate; mixing bytes and str is a SyntaxError.
      let value = '';
      const bytes = t.bytes;
      while (this.peek().t === 'str') {
        const s = this.peek() as Extract<Tok, { t: 'str' }>;
        if (s.bytes !== bytes) reject();
        value += s.value;
        this.i++;
      }
      return { k: 'const', v: bytes ? { py: 'bytes', v: value } : { py: 'str', v: value } };
    }
    if (t.t === 'name') {
      this.i++;
      if (t.value === 'True') return { k: 'const', v: { py: 'bool', v: true } };
      if (t.value === 'False') return { k: 'const', v: { py: 'bool', v: false } };
      if (t.value === 'None') return { k: 'const', v: { py: 'none' } };
      if (t.value === '...') return { k: 'const', v: { py: 'ellipsis' } };
      if (t.value === 'set' && this.isOp('(')) {
        this.i++;
        this.expectOp(')');
        return { k: 'set', items: [] };
      }
      // Any other name (yes, true, hostnames, ...) is valid Python but not a literal.
      return reject();
    }
    if (t.t === 'op' && t.value === '(') {
      this.i++;
      return this.nest(() => {
        if (this.isOp(')')) {
          this.i++;
          return { k: 'tuple', items: [] } as Node;
        }
        const inner = this.exprList(() => this.isOp(')'));
        this.expectOp(')');
        return inner;
      });
    }
    if (t.t === 'op' && t.value === '[') {
      this.i++;
      return this.nest(() => {
        const items = this.commaItems(']', () => this.expr());
        return { k: 'list', items } as Node;
      });
    }
    if (t.t === 'op' && t.value === '{') {
      this.i++;
      return this.nest(() => this.braces());
    }
    return reject();
  }

  private commaItems<T>(close: string, item: () => T): T[] {
    const items: T[] = [];
    while (!this.isOp(close)) {
      items.push(item());
      if (this.isOp(',')) this.i++;
      else if (!this.isOp(close)) reject();
    }
    this.i++;
    return items;
  }

  private braces(): Node {
    if (this.isOp('}')) {
      this.i++;
      return { k: 'dict', keys: [], values: [] };
    }
    const first = this.expr();
    if (this.isOp(':')) {
      this.i++;
      const keys = [first];
      const values = [this.expr()];
      while (this.isOp(',')) {
        this.i++;
        if (this.isOp('}')) break;
        keys.push(this.expr());
        this.expectOp(':');
        values.push(this.expr());
      }
      this.expectOp('}');
      return { k: 'dict', keys, values };
    }
    const items = [first];
    while (this.isOp(',')) {
      this.i++;
      if (this.isOp('}')) break;
      items.push(this.expr());
    }
    this.expectOp('}');
    return { k: 'set', items };
  }
}

