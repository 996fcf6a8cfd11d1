#!/usr/bin/env -S node --max-semi-space-size=32
// Thin launcher: the CLI is built to dist/ by `npm install` (the prepare script).
// The flag on the first line (read by the benchmarks too, so they measure what a user
// runs): a sim run allocates a few KB per simulated request that live about two
// simulated seconds; V8's default 16 MB young generation collects them so often that
// many survive into the old one. 32 MB halves the collections and cut an hour of
// sim by about a fifth on a 2-core machine.
import { exitOnCrash } from "../dist/cli/errors.js";
import { nodeIo } from "../dist/cli/io.js";
import { main } from "../dist/cli/main.js";

const io = nodeIo();
exitOnCrash(io, io.argv.includes("--verbose"));
process.exitCode = await main(io);
