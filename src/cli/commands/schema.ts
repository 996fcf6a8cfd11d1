import { z } from "zod";
import { vendorProfileSchema } from "../../scenario/profile-schema.js";
import { routerConfigSchema } from "../../scenario/router-schema.js";
import { scenarioSchema } from "../../scenario/scenario-schema.js";
import { ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";

export const FILE_KINDS = {
  scenario: scenarioSchema,
  profile: vendorProfileSchema,
  router: routerConfigSchema,
};

/** Prints the JSON Schema of a file kind, describing the file as people write it. */
export function schemaCommand(io: Io, kind: keyof typeof FILE_KINDS): number {
  const schema = z.toJSONSchema(FILE_KINDS[kind], { io: "input", target: "draft-2020-12" });
  io.stdout.write(`${JSON.stringify({ title: `gw-chaos ${kind}`, ...schema }, null, 2)}\n`);
  return ExitCode.Ok;
}
