#!/usr/bin/env node
// Thin launcher: the CLI is built to dist/ by `npm install` (the prepare script).
import { exitOnCrash } from "../dist/cli/errors.js";
import { nodeIo } from "../dist/cli/io.js";
import { main } from "../dist/cli/main.js";

const io = nodeIo();
exitOnCrash(io, io.argv.includes("--verbose"));
process.exitCode = await main(io);
