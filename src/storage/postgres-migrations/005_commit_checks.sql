-- One round trip per commit (postgres-store.ts sends a commit's statements as one query): a check that used to be a
-- row count read between statements is now made by the statement itself, failing the transaction with a message the
-- store recognizes ('moor:fenced:<n>', 'moor:conflict:<n>').
CREATE FUNCTION moor_check(ok boolean, message text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF NOT ok THEN
    RAISE EXCEPTION '%', message;
  END IF;
END
$$;
