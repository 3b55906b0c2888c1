import template from "./template.toml" with { type: "text" };

/** The commented default config that generate-config writes (parses to exactly `defaultConfig()`). */
export const CONFIG_TEMPLATE: string = template;
