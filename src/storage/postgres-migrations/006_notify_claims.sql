-- Cluster mode: every API node follows every event, so each would deliver the same webhook (and show the same desktop
-- notification on a host that runs two). The node that first claims (event id, target) delivers it; the others skip
-- it (core/notify/notifier.ts). Claims older than a day are swept (PostgresStore.sweepNotifyClaims).
CREATE TABLE notify_claim (
  event_id BIGINT NOT NULL,
  target TEXT NOT NULL,
  time_claimed TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, target)
);
CREATE INDEX notify_claim_time ON notify_claim (time_claimed);
