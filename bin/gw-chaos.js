#!/usr/bin/env node
// Thin launcher: the CLI is built to dist/ by `npm install` (the prepare script).
import { nodeIo } from "../dist/cli/io.js";
import { main } from "../dist/cli/main.js";

process.exitCode = await main(nodeIo());
