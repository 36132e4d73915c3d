// schema-path: a field's schema and default by dotted path, through nullable and defaulted objects; leaf paths of an object schema.
import { describe, expect, it } from "vitest";
import { PointsConfigSchema } from "./rules/config.js";
import { fieldDefault, leafPaths, schemaAt } from "./schema-path.js";

describe("schema-path", () => {
  it("gives a field's default even inside an object the section leaves out (redemption is null by default)", () => {
    expect(PointsConfigSchema.parse({}).redemption).toBeNull();
    expect(fieldDefault(PointsConfigSchema, ["redemption", "channels"])).toEqual(["kiosk", "till", "online"]);
    expect(fieldDefault(PointsConfigSchema, ["redemption", "tiers"])).toEqual([]);
  });

  it("answers undefined for a path that names no field, and for a field without a default", () => {
    expect(schemaAt(PointsConfigSchema, ["redemption", "nope"])).toBeUndefined();
    expect(fieldDefault(PointsConfigSchema, ["nope"])).toBeUndefined();
    expect(fieldDefault(PointsConfigSchema, ["redemption", "pointsPerYuan"])).toBeUndefined();
  });

  it("lists nested leaves with their dotted paths", () => {
    const leaves = leafPaths(PointsConfigSchema);
    expect(leaves).toContain("multipliers.periods");
    expect(leaves).toContain("redemption.channels");
    expect(leaves).not.toContain("multipliers");
  });
});
