// Minimal types for the npos ESC/POS parser (an independent decoder used only by the printer tests).
declare module "npos" {
  export interface NposNode {
    code: number;
    hex: string;
    ascii: string;
    fn?: string;
    offset: number;
    length: number;
  }
  export interface NposAst {
    raw: Buffer;
    error: Error | undefined;
    tree: NposNode[] | null;
  }
  export interface NposParser {
    analyze(raw: Buffer): NposAst;
  }
  export type NposRules = Record<number, number | Record<string, number | string | (number | string)[]>>;
  const npos: {
    parser(rules?: NposRules): NposParser;
    rules: NposRules;
  };
  export default npos;
}
