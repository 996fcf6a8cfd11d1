import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../scenario/registry.js";
import { testIo } from "../test-support/test-io.js";
import { main } from "./main.js";

describe("schemas/ (what editors read through # yaml-language-server)", () => {
  it.each(["scenario", "profile", "router"])(
    "schemas/%s.schema.json is what `gw-chaos schema` prints (run `npm run schemas`)",
    async (kind) => {
      const io = testIo(["schema", kind]);
      expect(await main(io)).toBe(0);
      expect(readFileSync(join(PACKAGE_ROOT, "schemas", `${kind}.schema.json`), "utf8")).toBe(
        io.out(),
      );
    },
  );
});
