import { compile, hostTarget } from "./compile.ts";

/** `bun run build`: the host binary at dist/norc-server (dist/norc-server.exe on Windows). */
const outfile = process.platform === "win32" ? "dist/norc-server.exe" : "dist/norc-server";
await compile({ target: hostTarget(), outfile });
console.log(`built ${outfile} (${hostTarget()})`);
