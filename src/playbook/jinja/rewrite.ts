/** The AST rewrite that makes nunjucks' expressions follow Python/Jinja rules, and the string-literal parser with Python escapes. */
import { TemplateError } from './pyValues.js';
import { type AnyNode, nodes } from './nunjucks.js';

export function call(name: string, node: AnyNode, args: AnyNode[]): AnyNode {
  return new nodes.FunCall(node.lineno, node.colno, new nodes.Symbol(node.lineno, node.colno, name), new nodes.NodeList(node.lineno, node.colno, args));
}

export function lit(node: AnyNode, value: unknown): AnyNode {
  return new nodes.Literal(node.lineno, node.colno, value);
}

export function rewrite(node: AnyNode): AnyNode {
  if (!node || typeof node !== 'object' || !node.typename) return node;
  // children first
  if (node instanceof nodes.NodeList) {
    node.children = node.children.map(rewrite);
  } else {
    for (const f of node.fields as string[]) {
      const v = node[f];
      if (Array.isArray(v)) node[f] = v.map(rewrite);
      else if (v && typeof v === 'object' && v.typename) node[f] = rewrite(v);
    }
  }
  switch (node.typename) {
    case 'Output':
      node.children = node.children.map((c: AnyNode) => (c.typename === 'TemplateData' ? c : call('__out', c, [c])));
      return node;
    case 'If':
    case 'IfAsync':
    case 'InlineIf':
      node.cond = call('__bool', node.cond, [node.cond]);
      if (node.typename === 'InlineIf' && node.else_ === null) node.else_ = lit(node, null);
      return node;
    case 'And':
      return new nodes.InlineIf(node.lineno, node.colno, call('__bool', node.left, [node.left]), node.right, node.left);
    case 'Or':
      return new nodes.InlineIf(node.lineno, node.colno, call('__bool', node.left, [node.left]), node.left, node.right);
    case 'Not':
      return call('__not', node, [node.target]);
    case 'In':
      return call('__in', node, [node.left, node.right]);
    case 'Is': {
      const r = node.right;
      let name: string;
      let args: AnyNode[] = [];
      if (r.typename === 'FunCall') {
        name = r.name.value;
        args = r.args.children;
      } else if (r.typename === 'Literal') {
        name = r.value === null ? 'none' : String(r.value);
      } else if (r.typename === 'Symbol') {
        name = r.value;
      } else {
        throw new TemplateError('unsupported test expression after "is"');
      }
      return call('__test', node, [lit(node, name), node.left, ...args]);
    }
    case 'Compare': {
      let left = node.expr;
      const parts: AnyNode[] = [];
      for (const op of node.ops) {
        parts.push(call('__cmp', node, [lit(node, op.type), left, op.expr]));
        left = op.expr;
      }
      return parts.reduce((acc, p) => new nodes.InlineIf(node.lineno, node.colno, call('__bool', acc, [acc]), p, acc));
    }
    case 'LookupVal':
      return call('__getattr', node, [node.target, node.val]);
    case 'Group':
      // Python tuple: ("a", 3) -> a list (JS would evaluate a comma expression)
      return node.children.length === 1 ? node : new nodes.Array(node.lineno, node.colno, node.children);
    case 'Add':
      return call('__add', node, [node.left, node.right]);
    case 'Concat':
      return call('__concat', node, [node.left, node.right]);
    case 'Mul':
      return call('__mul', node, [node.left, node.right]);
    case 'Mod':
      return call('__mod', node, [node.left, node.right]);
    default:
      return node;
  }
}

/**
 * String literals as ansible-core reads them. Inside `{{ }}` Ansible doubles every
 * backslash before Jinja sees it (Templar._escape_backslashes), so a literal there is
 * raw: `'\1'` stays backslash-one and a backslash never escapes the quote. Inside
 * `{% %}` (and so in `when:` conditions, which Ansible wraps in `{% if %}`) Jinja's
 * unicode-escape rules apply (`\n` is a newline, unknown escapes keep their backslash).
 */
export function makeStringParser(tokens: AnyNode): (delimiter: string) => string {
  return function pyParseString(this: AnyNode, delimiter: string): string {
    this.forward();
    let str = '';
    if (tokens.__inVariable) {
      while (!this.isFinished() && this.current() !== delimiter) {
        str += this.current();
        this.forward();
      }
      this.forward();
      return str;
    }
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"', '\n': '' };
    while (!this.isFinished() && this.current() !== delimiter) {
      const cur = this.current();
      if (cur !== '\\') {
        str += cur;
        this.forward();
        continue;
      }
      this.forward();
      const c = this.current();
      if (c in simple) {
        str += simple[c];
        this.forward();
      } else if (/[0-7]/.test(c)) {
        let d = '';
        while (d.length < 3 && /[0-7]/.test(this.current())) {
          d += this.current();
          this.forward();
        }
        str += String.fromCodePoint(parseInt(d, 8));
      } else if (c === 'x' || c === 'u' || c === 'U') {
        const len = c === 'x' ? 2 : c === 'u' ? 4 : 8;
        let h = '';
        this.forward();
        while (h.length < len && /[0-9a-fA-F]/.test(this.current())) {
          h += this.current();
          this.forward();
        }
        if (h.length !== len) throw new TemplateError(`truncated \\${c} escape in string literal`);
        str += String.fromCodePoint(parseInt(h, 16));
      } else {
        str += '\\' + c;
        this.forward();
      }
    }
    this.forward();
    return str;
  };
}
