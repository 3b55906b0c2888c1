/** Files imported `with { type: "text" }` (Bun embeds them as strings, also in compiled binaries). */
declare module "*.toml" {
  const text: string;
  export default text;
}
