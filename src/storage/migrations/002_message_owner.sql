-- The pid of the process producing a running message: start-up recovery only marks a message interrupted when
-- that process is gone, so a second process opening the same database (a CLI next to a server) leaves live turns
-- alone.
ALTER TABLE message ADD COLUMN owner_pid INTEGER;
