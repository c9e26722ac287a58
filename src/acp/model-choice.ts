// Which model ids session/set_config_option accepts: as the server does (issue 18 §1), a provider that lists its
// models takes only those, and one that lists none (an OpenAI-compatible endpoint with only a baseURL) takes any id.

/** Why `value` (provider/model) is refused, or undefined when it is accepted. */
export function unlistedModel(value: string, models: { id: string }[]): string | undefined {
  const providerID = value.slice(0, value.indexOf("/"));
  const listed = models.filter((model) => model.id.startsWith(`${providerID}/`)).map((model) => model.id);
  if (listed.length === 0 || listed.includes(value)) return undefined;
  return `unknown model "${value}"; provider "${providerID}" lists: ${listed.join(", ")}`;
}
