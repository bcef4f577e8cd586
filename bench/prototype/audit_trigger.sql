-- Prototype (bench/prototype/asgi.py, patch "chain"): link audit events at COMMIT, inside PostgreSQL.
-- The application inserts the event with a placeholder seq and the two halves of the canonical link text
-- around the seq; a deferred constraint trigger takes the chain's advisory lock at COMMIT, reads the head
-- and fills seq, prev_hash and hash = sha256(prev_hash || prefix || seq || suffix), exactly the formula of
-- api/services/audit_formula.py. The lock is then held for microseconds, never across a client round trip.
-- Rows inserted the current way (link_prefix NULL) are left alone, so both writers can share a database.
ALTER TABLE audit_event ADD COLUMN IF NOT EXISTS link_prefix text, ADD COLUMN IF NOT EXISTS link_suffix text;
CREATE SEQUENCE IF NOT EXISTS audit_placeholder_seq;

CREATE OR REPLACE FUNCTION audit_chain_link() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head record;
  n integer;
  prev text;
BEGIN
  IF NEW.link_prefix IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock(8247622990019519604);  -- api.services.audit.ADVISORY_LOCK_KEY
  SELECT seq, hash INTO head FROM audit_event WHERE seq > 0 ORDER BY seq DESC LIMIT 1;  -- a fresh snapshot
  IF NOT FOUND THEN
    n := 1;
    prev := repeat('0', 64);
  ELSE
    n := head.seq + 1;
    prev := head.hash;
  END IF;
  UPDATE audit_event
     SET seq = n, prev_hash = prev, link_prefix = NULL, link_suffix = NULL,
         hash = encode(sha256(convert_to(prev || NEW.link_prefix || n::text || NEW.link_suffix, 'UTF8')), 'hex')
   WHERE id = NEW.id;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS audit_chain_link ON audit_event;
CREATE CONSTRAINT TRIGGER audit_chain_link AFTER INSERT ON audit_event
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_chain_link();
