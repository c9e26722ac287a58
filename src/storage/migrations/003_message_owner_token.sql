-- The token of the owner lock held by the process producing a running message (storage/owner-lock.ts): unlike a
-- pid, it cannot look alive after its process died (an unreaped zombie keeps its pid) or was reused.
ALTER TABLE message ADD COLUMN owner_token TEXT;
