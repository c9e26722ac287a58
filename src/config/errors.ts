// A config problem the user can fix: the CLI prints its message as one line (or one line per problem).
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}
