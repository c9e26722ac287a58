// The agents Tab cycles through: the server's primary agents (GET /agent) in its order, so a configured agent is
// offered and a removed one is not. Until they arrive (or if the server cannot list them) there is none to pick
// and prompts name no agent: the server runs its default.
import { useEffect, useState } from "react";
import type { MoorClient } from "../client/index.js";
import { type Agent, primaryAgents } from "../protocol/index.js";

export function usePrimaryAgents(client: MoorClient): Agent[] {
  const [agents, setAgents] = useState<Agent[]>([]);
  useEffect(() => {
    let live = true;
    client.agents().then(
      (list) => {
        if (live) setAgents(primaryAgents(list));
      },
      () => {},
    );
    return () => {
      live = false;
    };
  }, [client]);
  return agents;
}
