// CSV fields: quoting of commas, quotes and line breaks, Chinese text as is, formula-looking text neutralised, negative amounts left numeric.
import { describe, it, expect } from "vitest";
import { csvField, toCsv, yuan } from "./csv.js";

describe("csv", () => {
  it("quotes what needs quoting and nothing else", () => {
    expect(csvField("王小明")).toBe("王小明");
    expect(csvField('say "hi", then')).toBe('"say ""hi"", then"');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("a\r\nb")).toBe('"a\r\nb"');
    expect(csvField(null)).toBe("");
    expect(csvField(-12)).toBe("-12");
  });

  it("neutralises formulas but keeps negative amounts", () => {
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("-3.50")).toBe("-3.50");
    expect(csvField("-3.5x")).toBe("'-3.5x");
  });

  it("writes a BOM and CRLF rows; yuan has two decimals", () => {
    expect(toCsv(["门店", "b"], [["s,1", 2]])).toBe('\uFEFF门店,b\r\n"s,1",2\r\n');
    expect(yuan(12345)).toBe("123.45");
    expect(yuan(5)).toBe("0.05");
    expect(yuan(-250)).toBe("-2.50");
  });
});
