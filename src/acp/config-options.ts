// The session's settings as ACP config options: the mode (moor's primary agent) and the model, each with the
// category editors group them by. session/set_mode and session/set_config_option change the same state, so
// whichever the editor uses, both views agree.
import type { SessionConfigOption } from "@agentclientprotocol/sdk";

export interface ModeChoice {
  availableModes: { id: string; name: string; description?: string }[];
  currentModeId: string;
}

export function sessionConfigOptions(
  modes: ModeChoice,
  models: { id: string; name: string }[],
  currentModel: string | undefined,
): SessionConfigOption[] {
  const options: SessionConfigOption[] = [
    {
      id: "mode",
      name: "Mode",
      category: "mode",
      type: "select",
      currentValue: modes.currentModeId,
      options: modes.availableModes.map((mode) => ({
        value: mode.id,
        name: mode.name,
        ...(mode.description !== undefined ? { description: mode.description } : {}),
      })),
    },
  ];
  if (models.length > 0) {
    options.push({
      id: "model",
      name: "Model",
      category: "model",
      type: "select",
      currentValue: currentModel ?? models[0].id,
      options: models.map((model) => ({ value: model.id, name: model.name })),
    });
  }
  return options;
}
