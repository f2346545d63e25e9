// nunjucks ships no types for its internal transformer; template.ts patches it (see there).
declare module 'nunjucks/src/transformer.js' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const transformer: { transform(ast: any, asyncFilters: string[], name?: string): any };
  export default transformer;
}
