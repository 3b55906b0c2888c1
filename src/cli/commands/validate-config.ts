import { defineCommand } from "citty";
export default defineCommand({
  meta: { name: "validate-config" },
  args: { file: { type: "positional", required: false } },
  run: ({ args }) => {
    console.log("val", JSON.stringify(args));
    return 0;
  },
});
