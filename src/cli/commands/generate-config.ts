import { defineCommand } from "citty";
export default defineCommand({
  meta: { name: "generate-config" },
  args: { output: { type: "string", alias: "o" }, force: { type: "boolean" } },
  run: ({ args }) => {
    console.log("gen", JSON.stringify(args));
    return 0;
  },
});
